import Foundation

/// JSON with sorted keys and unescaped slashes, byte for byte what Foundation's `JSONEncoder`
/// writes with `[.sortedKeys, .withoutEscapingSlashes]`: the one form medpolicy stores and
/// compares (``CanonicalJSONOutput`` is its writer; `JSONValue` writes through it too, in member order).
///
/// The history stores keep each encounter and determination in this form and compare encounters
/// by it (an identical resubmission replays), so the bytes must not drift from what earlier
/// versions stored: `CanonicalJSONTests` compares it with `JSONEncoder` on the contract types.
/// Values that do not write themselves (``CanonicalJSONWritable``) are written by `JSONEncoder`.
public enum CanonicalJSON {
    /// Why a value cannot be written: JSON has no NaN or infinity.
    public struct Unrepresentable: Error, CustomStringConvertible {
        public let value: String
        public var description: String { "\(value) cannot be written as JSON" }
    }

    /// The value's canonical bytes: written straight by a ``CanonicalJSONWritable`` value (the
    /// contract types, and arrays of them), else by `JSONEncoder` with the same options, whose
    /// bytes these are by definition.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let writable = value as? any CanonicalJSONWritable {
            var output = CanonicalJSONOutput()
            try writable.writeCanonicalJSON(to: &output)
            return output.bytes
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    /// A finite number as JSONEncoder writes it: the shortest round-trip form, whole numbers without `.0`.
    static func numberText<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws -> String {
        guard value.isFinite else { throw Unrepresentable(value: value.description) }
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole. Native strings are contiguous UTF-8, and
        // scanning the buffer is several times faster than iterating the UTF8View.
        let copiedWhole: Bool? = text.utf8.withContiguousStorageIfAvailable { buffer in
            for byte in buffer where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            output.append(contentsOf: buffer)
            return true
        }
        if copiedWhole == true {
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x00..<0x20:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The value as compact JSON text, object members in their order (FHIR resources keep the order
    /// they are built in); strings escaped as `CanonicalJSON` escapes them, whole numbers without a fraction.
    public func jsonBytes() -> [UInt8] {
        var output = CanonicalJSONOutput()
        write(to: &output)
        return output.bytes
    }

    /// Writes the value into `output`, object members in their order.
    public func write(to output: inout CanonicalJSONOutput) {
        switch self {
        case .null: output.null()
        case .bool(let flag): output.bool(flag)
        case .integer(let number): output.integer(number)
        case .number(let number):
            if number.rounded() == number && abs(number) < 1e15 {
                output.integer(Int(number))
            } else if number.isFinite {
                output.numberText("\(number)")
            } else {
                output.null()  // JSON has no NaN or infinity
            }
        case .string(let text): output.string(text)
        case .array(let elements):
            output.array { output in
                for element in elements { element.write(to: &output) }
            }
        case .object(let members):
            output.object { output in
                for member in members {
                    output.key(member.key)
                    member.value.write(to: &output)
                }
            }
        }
    }
}
