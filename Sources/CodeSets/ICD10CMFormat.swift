// The binary layout of icd10cm.bin (format version 1), as written by scripts/build-icd10cm.py;
// the script's docstring is the reference for every field.

/// A code without its dot (≤ 7 characters) as a base-37 number: pad = 0, '0'…'9' = 1…10, 'A'…'Z' = 11…36,
/// most significant first, padded to 7 digits, so that numeric order is the order of the codes as strings
/// and every code starting with a prefix lies in [prefix, prefix + span).
struct ICD10CMKey: Sendable {
    static let width = 7
    static let powers: [UInt64] = (0...7).map { n in (0..<n).reduce(1) { acc, _ in acc * 37 } }

    let value: UInt64
    let length: Int

    /// The compact, upper-cased code (dots ignored, any case); nil when it is not 1–7 letters and digits.
    @inline(__always)
    init?(_ code: String) {
        var value: UInt64 = 0
        var length = 0
        for byte in code.utf8 {
            let digit: UInt64
            switch byte {
            case UInt8(ascii: "."): continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte &- 47)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt64(byte &- 54)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = UInt64(byte &- 86)
            default: return nil
            }
            guard length < ICD10CMKey.width else { return nil }
            value = value &* 37 &+ digit
            length &+= 1
        }
        guard length > 0 else { return nil }
        self.length = length
        self.value = value &* ICD10CMKey.powers[ICD10CMKey.width - length]
    }

    init(value: UInt64) {
        self.value = value
        var length = ICD10CMKey.width
        var rest = value
        while length > 0, rest % 37 == 0 { rest /= 37; length -= 1 }
        self.length = length
    }

    /// How many keys start with this code: every descendant lies in [value, value + span).
    var span: UInt64 { ICD10CMKey.powers[ICD10CMKey.width - length] }

    /// `M79.18`, `M79`.
    var dotted: String {
        var chars: [UInt8] = []
        chars.reserveCapacity(8)
        for position in 0..<length {
            let digit = (value / ICD10CMKey.powers[ICD10CMKey.width - 1 - position]) % 37
            if position == 3 { chars.append(UInt8(ascii: ".")) }
            chars.append(digit <= 10 ? UInt8(digit) &+ 47 : UInt8(digit) &+ 54)
        }
        return String(decoding: chars, as: UTF8.self)
    }
}

/// Where each section of a validated file lies.
struct ICD10CMLayout: Sendable {
    static let magic: [UInt8] = Array("ICD10CMB".utf8)
    static let version: UInt16 = 1
    static let headerSize = 64

    let releaseCount: Int
    let count: Int
    let statusWidth: Int
    let stemCount: Int
    let suffixCount: Int
    let tokenCount: Int
    let releaseTable: Int
    let keys: Int
    let status: Int
    let desc: Int
    let stemIndex: Int
    let stemData: Int
    let suffixIndex: Int
    let suffixData: Int
    let tokenIndex: Int
    let tokenData: Int

    /// Checks the header, the checksum, that the sections tile the file exactly, and that every offset
    /// table ascends within its data, so that no later read can leave the file.
    init(_ bytes: [UInt8]) throws {
        typealias Failure = ICD10CMDataError
        guard bytes.count >= ICD10CMLayout.headerSize else {
            throw Failure("truncated: \(bytes.count) bytes, shorter than the \(ICD10CMLayout.headerSize)-byte header")
        }
        guard Array(bytes[0..<8]) == ICD10CMLayout.magic else {
            throw Failure("not an ICD-10-CM data file (wrong magic number)")
        }
        let version = ICD10CMLayout.uint16(bytes, 8)
        guard version == ICD10CMLayout.version else {
            throw Failure("format version \(version), this build reads version \(ICD10CMLayout.version)")
        }
        let length = Int(ICD10CMLayout.uint32(bytes, 32))
        guard length == bytes.count else {
            throw Failure(bytes.count < length ? "truncated: \(bytes.count) of \(length) bytes"
                                               : "\(bytes.count) bytes where the header says \(length)")
        }
        let stored = ICD10CMLayout.uint64(bytes, 40)
        guard ICD10CMLayout.checksum(bytes, from: ICD10CMLayout.headerSize) == stored else {
            throw Failure("checksum mismatch: the file is corrupt")
        }
        releaseCount = Int(ICD10CMLayout.uint16(bytes, 10))
        count = Int(ICD10CMLayout.uint32(bytes, 12))
        stemCount = Int(ICD10CMLayout.uint32(bytes, 16))
        suffixCount = Int(ICD10CMLayout.uint32(bytes, 20))
        tokenCount = Int(ICD10CMLayout.uint32(bytes, 24))
        statusWidth = Int(ICD10CMLayout.uint16(bytes, 28))
        guard (1...16).contains(releaseCount), statusWidth == (releaseCount + 3) / 4,
              count > 0, stemCount < 1 << 24, suffixCount < 256, tokenCount <= 0x1_0000 else {
            throw Failure("implausible header counts")
        }

        // Walks the sections in file order; every step is checked against the file's end.
        var cursor = ICD10CMLayout.headerSize
        func section(_ size: Int) throws -> Int {
            let start = cursor
            guard size >= 0, size <= length - start else { throw Failure("truncated: section at \(start) runs past the end") }
            cursor = start + (size + 7) / 8 * 8
            guard cursor <= length else { throw Failure("truncated: section at \(start) runs past the end") }
            return start
        }
        releaseTable = cursor
        var previousYear = 0
        for _ in 0..<releaseCount {
            let entry = try section(4)
            let year = Int(ICD10CMLayout.uint16(bytes, entry))
            let nameLength = Int(ICD10CMLayout.uint16(bytes, entry + 2))
            cursor = entry
            _ = try section(4 + nameLength)
            guard year > previousYear, (1900...9998).contains(year) else { throw Failure("release years out of order") }
            previousYear = year
        }
        keys = try section(5 * count + 3)
        status = try section(count * statusWidth)
        desc = try section(4 * count)
        stemIndex = try section(4 * (stemCount + 1))
        stemData = try section(2 * Int(ICD10CMLayout.ascending(bytes, stemIndex, stemCount + 1)))
        suffixIndex = try section(4 * (suffixCount + 2))
        suffixData = try section(Int(ICD10CMLayout.ascending(bytes, suffixIndex, suffixCount + 2)))
        tokenIndex = try section(4 * (tokenCount + 1))
        tokenData = try section(Int(ICD10CMLayout.ascending(bytes, tokenIndex, tokenCount + 1)))
        guard cursor == length else { throw Failure("\(length - cursor) unexpected bytes after the last section") }
    }

    /// The release table: fiscal year and name of each release, oldest first.
    func releases(in bytes: [UInt8]) -> [(fiscalYear: Int, name: String)] {
        var result: [(fiscalYear: Int, name: String)] = []
        var offset = releaseTable
        for _ in 0..<releaseCount {
            let year = Int(ICD10CMLayout.uint16(bytes, offset))
            let nameLength = Int(ICD10CMLayout.uint16(bytes, offset + 2))
            result.append((year, String(decoding: bytes[(offset + 4)..<(offset + 4 + nameLength)], as: UTF8.self)))
            offset += (4 + nameLength + 7) / 8 * 8
        }
        return result
    }

    /// The last entry of an offset table after checking that it never descends (so every slice it yields
    /// lies within its data section, whose size is that last entry).
    private static func ascending(_ bytes: [UInt8], _ start: Int, _ entries: Int) throws -> UInt32 {
        guard start + 4 * entries <= bytes.count else { throw ICD10CMDataError("truncated: offset table runs past the end") }
        var previous: UInt32 = 0
        for i in 0..<entries {
            let value = uint32(bytes, start + 4 * i)
            guard value >= previous, i > 0 || value == 0 else { throw ICD10CMDataError("corrupt offset table at \(start)") }
            previous = value
        }
        return previous
    }

    static func uint16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    static func uint32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    static func uint64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(uint32(b, o)) | UInt64(uint32(b, o + 4)) << 32 }

    /// 64-bit checksum over little-endian 8-byte words from `start` (the tail zero-padded), xor the length;
    /// the same function as `checksum()` in scripts/build-icd10cm.py.
    static func checksum(_ bytes: [UInt8], from start: Int) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            let length = raw.count - start
            var offset = start
            while offset + 8 <= raw.count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                h = (h ^ word) &* 0x1_0000_0001_B3
                h ^= h >> 29
                offset += 8
            }
            if offset < raw.count {
                var word: UInt64 = 0
                for (shift, i) in (offset..<raw.count).enumerated() { word |= UInt64(raw[i]) << (8 * UInt64(shift)) }
                h = (h ^ word) &* 0x1_0000_0001_B3
                h ^= h >> 29
            }
            return h ^ UInt64(length)
        }
    }
}
