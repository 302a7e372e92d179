// The binary layout of icd10cm.bin (format version 2), as written by scripts/build-icd10cm.py;
// the script's docstring is the reference for every field.

/// A code without its dot (≤ 7 characters) as a base-37 number: pad = 0, '0'…'9' = 1…10, 'A'…'Z' = 11…36,
/// most significant first, padded to 7 digits, so that numeric order is the order of the codes as strings
/// and every code starting with a prefix lies in [prefix, prefix + span).
struct ICD10CMKey: Sendable {
    static let width = 7

    /// 37^n for n in 0...7.
    @inline(__always)
    static func power(_ n: Int) -> UInt64 {
        switch n {
        case 0: return 1
        case 1: return 37
        case 2: return 1_369
        case 3: return 50_653
        case 4: return 1_874_161
        case 5: return 69_343_957
        case 6: return 2_565_726_409
        default: return 94_931_877_133
        }
    }

    let value: UInt64
    let length: Int

    /// The compact, upper-cased code (dots ignored, any case); nil when it is not 1–7 letters and digits.
    @inline(__always)
    init?(_ code: String) {
        var text = code
        guard let key = text.withUTF8({ ICD10CMKey.encode($0) }) else { return nil }
        self = key
    }

    private init(value: UInt64, length: Int) {
        self.value = value
        self.length = length
    }

    @inline(__always)
    private static func encode(_ utf8: UnsafeBufferPointer<UInt8>) -> ICD10CMKey? {
        var value: UInt64 = 0
        var length = 0
        for byte in utf8 {
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
        return ICD10CMKey(value: value &* ICD10CMKey.power(ICD10CMKey.width - length), length: length)
    }

    init(value: UInt64) {
        self.value = value
        var length = ICD10CMKey.width
        var rest = value
        while length > 0, rest % 37 == 0 { rest /= 37; length -= 1 }
        self.length = length
    }

    /// How many keys start with this code: every descendant lies in [value, value + span).
    var span: UInt64 { ICD10CMKey.power(ICD10CMKey.width - length) }

    /// `M79.18`, `M79`.
    var dotted: String {
        var chars: [UInt8] = []
        chars.reserveCapacity(8)
        for position in 0..<length {
            let digit = (value / ICD10CMKey.power(ICD10CMKey.width - 1 - position)) % 37
            if position == 3 { chars.append(UInt8(ascii: ".")) }
            chars.append(digit <= 10 ? UInt8(digit) &+ 47 : UInt8(digit) &+ 54)
        }
        return String(decoding: chars, as: UTF8.self)
    }
}

/// Where each section of a validated file lies.
struct ICD10CMLayout: Sendable {
    static let magic: [UInt8] = Array("ICD10CMB".utf8)
    static let version: UInt16 = 2
    static let headerSize = 64
    /// Two-character prefixes: 37².
    static let prefixes = 37 * 37

    let releaseCount: Int
    let count: Int
    let statusWidth: Int
    let stemCount: Int
    let suffixCount: Int
    let tokenCount: Int
    let releaseTable: Int
    let keys: Int
    /// (37² + 1) u32: the first record of each two-character prefix.
    let directory: Int
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
            let year = Int(ICD10CMLayout.uint16(bytes, entry) & 0x7FFF)  // bit 15: no mid-year update
            let nameLength = Int(ICD10CMLayout.uint16(bytes, entry + 2))
            cursor = entry
            _ = try section(4 + nameLength)
            guard year > previousYear, (1900...9998).contains(year) else { throw Failure("release years out of order") }
            previousYear = year
        }
        keys = try section(5 * count + 3)
        directory = try section(4 * (ICD10CMLayout.prefixes + 1))
        guard try ICD10CMLayout.ascending(bytes, directory, ICD10CMLayout.prefixes + 1) == count else {
            throw Failure("corrupt prefix directory")
        }
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

    /// The release table: fiscal year and name of each release, oldest first, and whether the release
    /// is October's without the fiscal year's 1 April update (bit 15 of the year).
    func releases(in bytes: [UInt8]) -> [(fiscalYear: Int, name: String, lacksMidYearUpdate: Bool)] {
        var result: [(fiscalYear: Int, name: String, lacksMidYearUpdate: Bool)] = []
        var offset = releaseTable
        for _ in 0..<releaseCount {
            let field = ICD10CMLayout.uint16(bytes, offset)
            let nameLength = Int(ICD10CMLayout.uint16(bytes, offset + 2))
            result.append((Int(field & 0x7FFF), String(decoding: bytes[(offset + 4)..<(offset + 4 + nameLength)], as: UTF8.self),
                           field & 0x8000 != 0))
            offset += (4 + nameLength + 7) / 8 * 8
        }
        return result
    }

    /// The last entry of an offset table after checking that it never descends (so every slice it yields
    /// lies within its data section, whose size is that last entry).
    private static func ascending(_ bytes: [UInt8], _ start: Int, _ entries: Int) throws -> UInt32 {
        guard start + 4 * entries <= bytes.count else { throw ICD10CMDataError("truncated: offset table runs past the end") }
        let (ordered, last) = bytes.withUnsafeBytes { raw -> (Bool, UInt32) in
            var previous: UInt32 = 0
            var ordered = uint32(bytes, start) == 0
            for i in 0..<entries {
                let value = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start &+ 4 &* i, as: UInt32.self))
                ordered = ordered && value >= previous
                previous = value
            }
            return (ordered, previous)
        }
        guard ordered else { throw ICD10CMDataError("corrupt offset table at \(start)") }
        return last
    }

    static func uint16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }
    static func uint32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    static func uint64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(uint32(b, o)) | UInt64(uint32(b, o + 4)) << 32 }

    /// 64-bit checksum of the bytes from `start`: the same function as `checksum()` in
    /// scripts/build-icd10cm.py (four lanes over little-endian 8-byte words, then folded, xor the length).
    static func checksum(_ bytes: [UInt8], from start: Int) -> UInt64 {
        @inline(__always) func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
            let m = (h ^ word) &* 0x1_0000_0001_B3
            return m ^ (m &>> 29)
        }
        return bytes.withUnsafeBytes { raw in
            var a: UInt64 = 0x9E37_79B9_7F4A_7C15, b: UInt64 = 0xC2B2_AE3D_27D4_EB4F
            var c: UInt64 = 0x1656_67B1_9E37_79F9, d: UInt64 = 0x27D4_EB2F_1656_67C5
            var offset = start
            func word(_ at: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            while offset + 32 <= raw.count {
                a = mix(a, word(offset)); b = mix(b, word(offset + 8))
                c = mix(c, word(offset + 16)); d = mix(d, word(offset + 24))
                offset += 32
            }
            var lane = 0
            while offset < raw.count {
                var w: UInt64 = 0
                if offset + 8 <= raw.count {
                    w = word(offset)
                } else {
                    for (shift, i) in (offset..<raw.count).enumerated() { w |= UInt64(raw[i]) << (8 * UInt64(shift)) }
                }
                switch lane {
                case 0: a = mix(a, w)
                case 1: b = mix(b, w)
                default: c = mix(c, w)
                }
                lane += 1
                offset += 8
            }
            return mix(mix(mix(mix(0, a), b), c), d) ^ UInt64(raw.count - start)
        }
    }
}
