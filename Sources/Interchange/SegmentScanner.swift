#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Model

/// Where the bytes of an interchange come from: an open file descriptor read in chunks, or
/// bytes already in memory.
enum ByteInput {
    case descriptor(Int32, closeWhenDone: Bool)
    case memory([UInt8])
}

/// Splits an X12 byte stream into segments and elements without building strings.
///
/// Reads its input in chunks (`chunkSize`, 64 KiB by default) into one buffer that holds at
/// most a chunk plus the unfinished segment, so memory stays flat for any file size. The current
/// segment's elements are kept as offsets into that buffer; they stay valid until `advance()`.
final class SegmentScanner {
    private var input: ByteInput
    private(set) var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var inputEnded = false
    private let chunkSize: Int

    /// `nil` until an ISA has been read, and again after an IEA (a new ISA may change them).
    var delimiters: X12Delimiters?
    /// Element start offsets of the current segment; `bounds[k]..<bounds[k+1]-1` is element k
    /// (element 0 is the segment id). `bounds.count - 1` elements.
    private(set) var bounds: [Int] = []
    /// Whether the current segment ended at the end of the input without a terminator.
    private(set) var unterminated = false
    /// Bytes taken from the input so far (for progress reporting).
    private(set) var bytesRead = 0
    /// Whether the input began with a UTF-8 byte-order mark (EF BB BF), which was skipped:
    /// editors on Windows write one, and X12 has no place for it.
    private(set) var skippedByteOrderMark = false
    private var atInputStart = true

    init(input: ByteInput, chunkSize: Int = 64 * 1024) {
        self.input = input
        self.chunkSize = max(chunkSize, 256)
        switch input {
        case .memory(let bytes):
            buffer = bytes; end = bytes.count; inputEnded = true; bytesRead = bytes.count
        case .descriptor:
            buffer = [UInt8](repeating: 0, count: self.chunkSize)
        }
        bounds.reserveCapacity(64)
    }

    /// Closes an owned descriptor; safe to call more than once.
    func close() {
        if case .descriptor(let fd, true) = input {
            _ = SegmentScanner.systemClose(fd)
            input = .descriptor(-1, closeWhenDone: false)
        }
        inputEnded = true
    }

    private static func systemClose(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        return Glibc.close(fd)
        #else
        return Darwin.close(fd)
        #endif
    }

    /// What `advance()` found.
    enum Step {
        case segment
        case endOfInput
        /// Bytes where an ISA was expected that are not a readable ISA.
        case badInterchangeHeader(X12FatalError)
    }

    /// Moves to the next segment.
    func advance() throws(X12FatalError) -> Step {
        if atInputStart {
            atInputStart = false
            while end - start < 3 && !inputEnded { try refill() }
            if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF {
                start += 3
                skippedByteOrderMark = true
            }
        }
        // Skip whitespace between segments (line breaks after terminators, trailing newlines).
        while true {
            while start < end {
                let byte = buffer[start]
                if byte == 0x0A || byte == 0x0D || byte == 0x20 || byte == 0x09 { start += 1 } else { break }
            }
            if start < end { break }
            if inputEnded { return .endOfInput }
            try refill()
        }
        guard let delimiters else {
            while end - start < X12Delimiters.isaLength && !inputEnded { try refill() }
            let result = buffer.withUnsafeBufferPointer { pointer in
                X12Delimiters.read(isa: UnsafeBufferPointer(rebasing: pointer[start..<min(end, start + X12Delimiters.isaLength)]))
            }
            switch result {
            case .failure(let error): return .badInterchangeHeader(error)
            case .success(let found):
                self.delimiters = found
                tokenize(from: start, to: start + X12Delimiters.isaLength - 1, separator: found.element)
                start += X12Delimiters.isaLength
                unterminated = false
                return .segment
            }
        }
        let terminator = delimiters.segment
        var searchFrom = start
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { pointer in
                guard searchFrom < end, let base = pointer.baseAddress else { return nil }
                guard let hit = memchr(base + searchFrom, Int32(terminator), end - searchFrom) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let found {
                tokenize(from: start, to: found, separator: delimiters.element)
                start = found + 1
                unterminated = false
                return .segment
            }
            if inputEnded {
                tokenize(from: start, to: end, separator: delimiters.element)
                start = end
                unterminated = true
                return .segment
            }
            let scanned = end - start
            try refill()
            searchFrom = start + scanned
        }
    }

    /// Moves unread bytes to the front and reads the next chunk (growing the buffer only for a
    /// segment longer than a chunk).
    private func refill() throws(X12FatalError) {
        guard case .descriptor(let fd, _) = input, fd >= 0 else { inputEnded = true; return }
        if start > 0 {
            let remaining = end - start
            if remaining > 0 {
                buffer.withUnsafeMutableBufferPointer { pointer in
                    guard let base = pointer.baseAddress else { return }
                    memmove(base, base + start, remaining)
                }
            }
            start = 0; end = remaining
        }
        if buffer.count - end < chunkSize / 2 {
            buffer.append(contentsOf: repeatElement(0, count: max(chunkSize, buffer.count)))
        }
        while true {
            let count = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
                read(fd, pointer.baseAddress! + end, pointer.count - end)
            }
            if count > 0 { end += count; bytesRead += count; return }
            if count == 0 { inputEnded = true; close(); return }
            if errno == EINTR { continue }
            let code = errno
            inputEnded = true
            throw X12FatalError("reading the input failed: \(String(cString: strerror(code)))")
        }
    }

    private func tokenize(from segmentStart: Int, to segmentEnd: Int, separator: UInt8) {
        // Work on a local array (swapped out, so no copy) to keep per-byte work free of
        // exclusivity checks on the class's properties.
        var found = bounds
        bounds = []
        found.removeAll(keepingCapacity: true)
        found.append(segmentStart)
        buffer.withUnsafeBufferPointer { pointer in
            var index = segmentStart
            while index < segmentEnd {
                if pointer[index] == separator { found.append(index + 1) }
                index += 1
            }
        }
        found.append(segmentEnd + 1)
        bounds = found
    }

    // MARK: Reading the current segment

    /// Number of elements after the segment id (the highest element position present).
    var elementCount: Int { bounds.count - 2 }

    /// The byte range of element `index` (0 = segment id), `nil` when not present.
    @inline(__always)
    func range(_ index: Int) -> Range<Int>? {
        bounds.withUnsafeBufferPointer { bounds in
            guard index >= 0, index + 1 < bounds.count else { return nil }
            return bounds[index] ..< bounds[index + 1] - 1
        }
    }

    /// The segment id packed into an integer (`SV1` → 0x535631), 0 when it is not 2–3 letters/digits.
    var segmentTag: UInt32 {
        guard let r = range(0), (2...3).contains(r.count) else { return 0 }
        return buffer.withUnsafeBufferPointer { pointer in
            var tag: UInt32 = 0
            for index in r {
                let byte = pointer[index]
                guard X12Delimiters.isAlphanumeric(byte) else { return 0 }
                tag = tag << 8 | UInt32(byte)
            }
            return tag
        }
    }

    /// Element `index` as a string (`""` when absent or empty).
    func string(_ index: Int) -> String {
        guard let r = range(index), !r.isEmpty else { return "" }
        return string(r)
    }

    func string(_ r: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[r]), as: UTF8.self) }
    }

    /// The first element (0 = segment id) of the current segment whose bytes are not well-formed
    /// UTF-8, or nil. Only a segment with a byte above 0x7F is decoded.
    func elementWithInvalidUTF8() -> Int? {
        guard let first = bounds.first, let last = bounds.last, first < last - 1 else { return nil }
        let nonASCII = buffer.withUnsafeBufferPointer { pointer in (first ..< last - 1).contains { pointer[$0] >= 0x80 } }
        guard nonASCII else { return nil }
        for index in 0 ..< bounds.count - 1 {
            guard let r = range(index) else { continue }
            if String(validating: buffer[r], as: UTF8.self) == nil { return index }
        }
        return nil
    }

    func isEmpty(_ index: Int) -> Bool { range(index)?.isEmpty ?? true }

    /// Whether element `index` is exactly `text` (ASCII).
    func equals(_ index: Int, _ text: StaticString) -> Bool {
        guard let r = range(index) else { return false }
        return equals(r, text)
    }

    func equals(_ r: Range<Int>, _ text: StaticString) -> Bool {
        guard r.count == text.utf8CodeUnitCount else { return false }
        let expected = text.utf8Start
        return buffer.withUnsafeBufferPointer { pointer in
            var offset = 0
            for index in r {
                if pointer[index] != expected[offset] { return false }
                offset += 1
            }
            return true
        }
    }

    /// Whether the bytes in `r` are a CPT/HCPCS code: the same rule as `Model.ProcedureCodeShape`
    /// (five digits, four digits and F/T, or a capital letter and four digits), on bytes.
    func isProcedureCode(_ r: Range<Int>) -> Bool {
        guard r.count == 5 else { return false }
        return buffer.withUnsafeBufferPointer { buffer in
            let b = r.lowerBound
            func digit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
            func upper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
            guard digit(buffer[b + 1]), digit(buffer[b + 2]), digit(buffer[b + 3]) else { return false }
            let first = buffer[b], last = buffer[b + 4]
            return (digit(first) && (digit(last) || last == UInt8(ascii: "F") || last == UInt8(ascii: "T")))
                || (upper(first) && digit(last))
        }
    }

    /// Whether the bytes in `r` are a modifier (two capital letters or digits), as `Model.ProcedureCodeShape`.
    func isModifier(_ r: Range<Int>) -> Bool {
        guard r.count == 2 else { return false }
        return buffer.withUnsafeBufferPointer { buffer in
            r.allSatisfy { (buffer[$0] >= 0x30 && buffer[$0] <= 0x39) || (buffer[$0] >= 0x41 && buffer[$0] <= 0x5A) }
        }
    }

    /// An ICD-10-CM code as X12 carries it (no dot) → the dotted form (`M7918` → `M79.18`), or
    /// `nil` when it does not have the shape `Model.DiagnosisCodeShape` accepts: a capital letter,
    /// a digit, then one to five capital letters or digits.
    func dottedDiagnosis(_ r: Range<Int>) -> String? {
        guard (3...7).contains(r.count) else { return nil }
        return buffer.withUnsafeBufferPointer { buffer -> String? in
            let b = r.lowerBound
            guard buffer[b] >= 0x41 && buffer[b] <= 0x5A, buffer[b + 1] >= 0x30 && buffer[b + 1] <= 0x39 else { return nil }
            for index in (b + 2) ..< r.upperBound {
                let byte = buffer[index]
                guard (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) else { return nil }
            }
            if r.count == 3 { return String(decoding: UnsafeBufferPointer(rebasing: buffer[r]), as: UTF8.self) }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { scratch in
                scratch[0] = buffer[b]; scratch[1] = buffer[b + 1]; scratch[2] = buffer[b + 2]; scratch[3] = UInt8(ascii: ".")
                var count = 4
                for index in (b + 3) ..< r.upperBound { scratch[count] = buffer[index]; count += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: scratch[0..<count]), as: UTF8.self)
            }
        }
    }

    /// The components of element range `r`, split on `separator`.
    func components(_ r: Range<Int>, separator: UInt8) -> [Range<Int>] {
        buffer.withUnsafeBufferPointer { buffer in
            var parts: [Range<Int>] = []
            var partStart = r.lowerBound
            for index in r where buffer[index] == separator {
                parts.append(partStart ..< index)
                partStart = index + 1
            }
            parts.append(partStart ..< r.upperBound)
            return parts
        }
    }
}

// MARK: Typed element values

extension SegmentScanner {
    private func withElement<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Element `index` as a non-negative integer (`nil` when absent or not digits).
    func integer(_ index: Int) -> Int? { range(index).flatMap(unsignedInteger) }
    func unsignedInteger(_ range: Range<Int>) -> Int? { withElement(range, X12Values.unsignedInteger) }
    func wholeNumber(_ range: Range<Int>) -> Int? { withElement(range, X12Values.wholeNumber) }
    /// Element `index` as an amount in cents.
    func cents(_ index: Int) -> Int? { range(index).flatMap { withElement($0, X12Values.cents) } }
    /// Element `index` as a CCYYMMDD date.
    func date(_ index: Int) -> LocalDate? { range(index).flatMap(date) }
    func date(_ range: Range<Int>) -> LocalDate? { withElement(range, X12Values.date) }

    /// Whether element `index` is exactly `count` digits.
    func isDigits(_ index: Int, count: Int) -> Bool {
        guard let range = range(index), range.count == count else { return false }
        return withElement(range) { $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}
