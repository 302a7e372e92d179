import Model

/// A message written as UTF-8 bytes and made a `String` once, with the same interpolation syntax as
/// a string: `let text: MessageText = "the \(ordinal) \(unit) on \(date)"`.
///
/// Why: each piece interpolated or appended into a Swift `String` cost several hundred
/// instructions, and a limit message that names ten prior services has over sixty pieces, which
/// cost more than deciding every rule of the policy. Appending to bytes costs a copy.
struct MessageText: ExpressibleByStringInterpolation {
    /// Written bytes, then zeros: the buffer is kept at its capacity and written through a pointer,
    /// since `Array.append(contentsOf:)` cost a hundred instructions a piece.
    private var buffer: [UInt8]
    private var count = 0

    init(capacity: Int = 64) {
        buffer = [UInt8](repeating: 0, count: Swift.max(capacity, 16))
    }

    init(stringLiteral value: String) {
        self.init(capacity: value.utf8.count)
        append(value)
    }

    init(stringInterpolation: StringInterpolation) { self = stringInterpolation.text }

    var isEmpty: Bool { count == 0 }

    var string: String { String(decoding: buffer[..<count], as: UTF8.self) }

    mutating func append(_ piece: String) {
        var piece = piece
        piece.withUTF8 { write($0) }
    }

    mutating func append(_ other: MessageText) {
        other.buffer.withUnsafeBufferPointer { write(UnsafeBufferPointer(rebasing: $0[..<other.count])) }
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
        if count + bytes.count > buffer.count {
            buffer.append(contentsOf: repeatElement(0, count: Swift.max(buffer.count, count + bytes.count - buffer.count)))
        }
        let at = count
        buffer.withUnsafeMutableBufferPointer { target in
            (target.baseAddress! + at).update(from: source, count: bytes.count)
        }
        count += bytes.count
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
