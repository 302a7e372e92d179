/// The four delimiters of an interchange, read from its fixed-width ISA segment.
public struct X12Delimiters: Equatable, Sendable {
    /// ISA position 3 (after `ISA`).
    public var element: UInt8
    /// ISA16.
    public var component: UInt8
    /// ISA11 (from version 00402 on; otherwise `nil`). Also `nil` when ISA11 is `U`, the 4010
    /// standards identifier that many 5010 files still carry there.
    public var repetition: UInt8?
    /// The byte right after ISA16.
    public var segment: UInt8

    public init(element: UInt8, component: UInt8, repetition: UInt8?, segment: UInt8) {
        self.element = element; self.component = component; self.repetition = repetition; self.segment = segment
    }

    /// `*`, `:`, `^`, `~`: the delimiters the TR3 examples use.
    public static let standard = X12Delimiters(element: UInt8(ascii: "*"), component: UInt8(ascii: ":"),
                                               repetition: UInt8(ascii: "^"), segment: UInt8(ascii: "~"))

    /// The ISA segment is 106 bytes including its terminator: `ISA`, then 16 elements of fixed width.
    public static let isaLength = 106
    /// Offsets of the 16 element separators in a fixed-width ISA.
    static let isaSeparatorOffsets = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103]

    /// Reads the delimiters from the first 106 bytes of an ISA segment, or says why it cannot.
    static func read(isa bytes: UnsafeBufferPointer<UInt8>) -> Result<X12Delimiters, X12FatalError> {
        guard bytes.count >= isaLength else {
            return .failure(X12FatalError("segment 1 (ISA): the ISA segment must be \(isaLength) characters including its terminator, the input has only \(bytes.count)"))
        }
        guard bytes[0] == UInt8(ascii: "I"), bytes[1] == UInt8(ascii: "S"), bytes[2] == UInt8(ascii: "A") else {
            return .failure(X12FatalError("segment 1: an interchange must start with an ISA segment"))
        }
        let element = bytes[3]
        for offset in isaSeparatorOffsets where bytes[offset] != element {
            return .failure(X12FatalError("segment 1 (ISA): the ISA segment is not fixed-width (expected the element separator \"\(Character(Unicode.Scalar(element)))\" at position \(offset + 1)); ISA must be \(isaLength) characters"))
        }
        let component = bytes[104], segment = bytes[105]
        let version = Array(bytes[84..<89])
        let repetitionByte = bytes[82]
        // `U` in ISA11 is the 4010 "U.S. EDI community" code, not a separator: read it as "no
        // repetition separator", as pyx12 does (the reader reports it as an envelope issue).
        let repetition: UInt8? = version.lexicographicallyPrecedes(Array("00402".utf8)) || repetitionByte == UInt8(ascii: "U")
            ? nil : repetitionByte
        var used: Set<UInt8> = [element]
        for delimiter in [component, segment] + (repetition.map { [$0] } ?? []) {
            if used.contains(delimiter) || isAlphanumeric(delimiter) {
                return .failure(X12FatalError("segment 1 (ISA): delimiters must be distinct and not letters or digits (element \"\(printable(element))\", component \"\(printable(component))\", segment \"\(printable(segment))\"\(repetition.map { ", repetition \"\(printable($0))\"" } ?? ""))"))
            }
            used.insert(delimiter)
        }
        if isAlphanumeric(element) {
            return .failure(X12FatalError("segment 1 (ISA): the element separator must not be a letter or digit, got \"\(printable(element))\""))
        }
        return .success(X12Delimiters(element: element, component: component, repetition: repetition, segment: segment))
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func printable(_ byte: UInt8) -> String {
        switch byte {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x20...0x7E: return String(Character(Unicode.Scalar(byte)))
        default: return "0x" + String(byte, radix: 16)
        }
    }
}
