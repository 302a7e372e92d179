import Model

/// A message written as UTF-8 bytes and made a `String` once, with the same interpolation syntax as
/// a string: `let text: MessageText = "the \(ordinal) \(unit) on \(date)"`.
///
/// Why: each piece interpolated or appended into a Swift `String` cost several hundred
/// instructions, and a limit message that names ten prior services has over sixty pieces, which
/// cost more than deciding every rule of the policy. Here a piece costs a bounds test and a copy
/// into one buffer (an array's `append(contentsOf:)` or `withUnsafeMutableBufferPointer` cost a
/// hundred instructions a piece: uniqueness checks and generic paths).
struct MessageText: ExpressibleByStringInterpolation {
    private var storage: MessageStorage

    init(capacity: Int = 64) { storage = MessageStorage(capacity: capacity) }

    init(stringLiteral value: String) {
        self.init(capacity: value.utf8.count)
        append(value)
    }

    init(stringInterpolation: StringInterpolation) { self = stringInterpolation.text }

    var isEmpty: Bool { storage.count == 0 }

    var string: String {
        String(decoding: UnsafeBufferPointer(start: storage.bytes, count: storage.count), as: UTF8.self)
    }

    mutating func append(_ piece: String) {
        var piece = piece
        piece.withUTF8 { write($0) }
    }

    mutating func append(_ other: MessageText) {
        write(UnsafeBufferPointer(start: other.storage.bytes, count: other.storage.count))
    }

    mutating func append(_ number: Int) {
        // Digits from the last, into a small stack buffer; magnitude as UInt so that Int.min has one too.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = number.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            if number < 0 { append("-") }
            write(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    private mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        // A builder is not shared, but a copied one must not write into its original's bytes.
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(reserving: bytes.count) }
        storage.write(source, count: bytes.count)
    }

    /// The interpolation: literals and `String`, `Int`, `LocalDate` and `MessageText` values.
    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var text: MessageText

        init(literalCapacity: Int, interpolationCount: Int) {
            // Room for values as long as a list of services without growing: growing copies it all.
            text = MessageText(capacity: literalCapacity + interpolationCount * 64)
        }

        mutating func appendLiteral(_ literal: String) { text.append(literal) }
        mutating func appendInterpolation(_ value: String) { text.append(value) }
        mutating func appendInterpolation(_ value: Int) { text.append(value) }
        mutating func appendInterpolation(_ value: LocalDate) { text.append(value.description) }
        mutating func appendInterpolation(_ value: MessageText) { text.append(value) }
    }
}

/// The bytes of a ``MessageText``: one allocation that grows by doubling.
private final class MessageStorage {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        bytes = .allocate(capacity: self.capacity)
    }

    deinit { bytes.deallocate() }

    func write(_ source: UnsafePointer<UInt8>, count added: Int) {
        if count + added > capacity {
            capacity = max(capacity * 2, count + added)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.initialize(from: bytes, count: count)
            bytes.deallocate()
            bytes = grown
        }
        (bytes + count).initialize(from: source, count: added)
        count += added
    }

    func copy(reserving extra: Int) -> MessageStorage {
        let copy = MessageStorage(capacity: count + extra)
        copy.write(bytes, count: count)
        return copy
    }
}
