/// JSON with sorted keys and unescaped slashes, byte for byte what Foundation's `JSONEncoder`
/// writes with `[.sortedKeys, .withoutEscapingSlashes]`, several times faster.
///
/// The history stores keep each encounter and determination in this form and compare encounters
/// by it (an identical resubmission replays), so the bytes must not drift from what earlier
/// versions stored: `CanonicalJSONTests` compares it with `JSONEncoder` on the contract types.
/// Scope: types built from strings, integers, floating-point numbers, booleans, arrays, optionals
/// and keyed values, as the contract types are; `Date`, `Data`, `URL` and `Decimal`, which
/// `JSONEncoder` special-cases, are not special-cased here.
public enum CanonicalJSON {
    /// Why a value cannot be written: JSON has no NaN or infinity.
    public struct Unrepresentable: Error, CustomStringConvertible {
        public let value: String
        public var description: String { "\(value) cannot be written as JSON" }
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if let writable = value as? any CanonicalJSONWritable {
            var output = CanonicalJSONOutput()
            try writable.writeCanonicalJSON(to: &output)
            return output.bytes
        }
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        var output: [UInt8] = []
        output.reserveCapacity(512)
        write(encoder.root ?? .object(ObjectBox()), into: &output)
        return output
    }

    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    // MARK: The tree an encodable value builds

    fileprivate enum Node {
        case string(String)
        case number(String)
        case bool(Bool)
        case null
        case array(ArrayBox)
        case object(ObjectBox)
        /// A value that wrote itself (``CanonicalJSONWritable``).
        case written([UInt8])
    }

    fileprivate final class ArrayBox {
        var items: [Node] = []
    }

    fileprivate final class ObjectBox {
        var entries: [(key: String, value: Node)] = []

        func set(_ key: String, _ value: Node) {
            // A key written twice keeps the last value, as JSONEncoder does.
            if let index = entries.firstIndex(where: { $0.key == key }) {
                entries[index].value = value
            } else {
                entries.append((key, value))
            }
        }
    }

    fileprivate static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws -> Node {
        .number(try numberText(value))
    }

    /// A finite number as JSONEncoder writes it: the shortest round-trip form, whole numbers without `.0`.
    static func numberText<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws -> String {
        guard value.isFinite else { throw Unrepresentable(value: value.description) }
        let text = value.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// The node for a nested value: its own encoder's tree (an object when it wrote nothing).
    fileprivate static func node<T: Encodable>(_ value: T) throws -> Node {
        // The common leaves without an encoder of their own; a metatype comparison is much cheaper
        // than a dynamic cast, and when it holds the bit cast is an identity.
        if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return .number(String(unsafeBitCast(value, to: Int.self))) }
        if T.self == Bool.self { return .bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Double.self { return try Self.number(unsafeBitCast(value, to: Double.self)) }
        if let writable = value as? any CanonicalJSONWritable {
            var output = CanonicalJSONOutput()
            try writable.writeCanonicalJSON(to: &output)
            return .written(output.bytes)
        }
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        return encoder.root ?? .object(ObjectBox())
    }

    // MARK: Writing

    private static func write(_ node: Node, into output: inout [UInt8]) {
        switch node {
        case .string(let text): writeString(text, into: &output)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .bool(let flag): output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .null: output.append(contentsOf: "null".utf8)
        case .written(let bytes): output.append(contentsOf: bytes)
        case .array(let box):
            output.append(UInt8(ascii: "["))
            for (index, item) in box.items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let box):
            output.append(UInt8(ascii: "{"))
            let sorted = box.entries.count < 2 ? box.entries
                : box.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, entry) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(entry.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
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

    // MARK: The Encoder

    fileprivate final class TreeEncoder: Encoder, SingleValueEncodingContainer {
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        var root: Node?

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object(let box) = root { return KeyedEncodingContainer(KeyedContainer<Key>(box: box)) }
            let box = ObjectBox()
            root = .object(box)
            return KeyedEncodingContainer(KeyedContainer<Key>(box: box))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let box) = root { return UnkeyedContainer(box: box) }
            let box = ArrayBox()
            root = .array(box)
            return UnkeyedContainer(box: box)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { self }

        func encodeNil() throws { root = .null }
        func encode(_ value: Bool) throws { root = .bool(value) }
        func encode(_ value: String) throws { root = .string(value) }
        func encode(_ value: Double) throws { root = try CanonicalJSON.number(value) }
        func encode(_ value: Float) throws { root = try CanonicalJSON.number(value) }
        func encode(_ value: Int) throws { root = .number(String(value)) }
        func encode(_ value: Int8) throws { root = .number(String(value)) }
        func encode(_ value: Int16) throws { root = .number(String(value)) }
        func encode(_ value: Int32) throws { root = .number(String(value)) }
        func encode(_ value: Int64) throws { root = .number(String(value)) }
        func encode(_ value: UInt) throws { root = .number(String(value)) }
        func encode(_ value: UInt8) throws { root = .number(String(value)) }
        func encode(_ value: UInt16) throws { root = .number(String(value)) }
        func encode(_ value: UInt32) throws { root = .number(String(value)) }
        func encode(_ value: UInt64) throws { root = .number(String(value)) }
        func encode<T: Encodable>(_ value: T) throws { root = try CanonicalJSON.node(value) }
    }

    fileprivate struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: ObjectBox
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { box.set(key.stringValue, try CanonicalJSON.number(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { box.set(key.stringValue, try CanonicalJSON.number(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { box.set(key.stringValue, .number(String(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            box.set(key.stringValue, try CanonicalJSON.node(value))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                            forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = ObjectBox()
            box.set(key.stringValue, .object(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            box.set(key.stringValue, .array(nested))
            return UnkeyedContainer(box: nested)
        }

        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let encoder = TreeEncoder()
            let nested = ObjectBox()
            encoder.root = .object(nested)
            box.set(key.stringValue, .object(nested))
            return encoder
        }
    }

    fileprivate struct UnkeyedContainer: UnkeyedEncodingContainer {
        let box: ArrayBox
        var codingPath: [any CodingKey] { [] }
        var count: Int { box.items.count }

        mutating func encodeNil() throws { box.items.append(.null) }
        mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
        mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
        mutating func encode(_ value: Double) throws { box.items.append(try CanonicalJSON.number(value)) }
        mutating func encode(_ value: Float) throws { box.items.append(try CanonicalJSON.number(value)) }
        mutating func encode(_ value: Int) throws { box.items.append(.number(String(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws { box.items.append(try CanonicalJSON.node(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = ObjectBox()
            box.items.append(.object(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: nested))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = ArrayBox()
            box.items.append(.array(nested))
            return UnkeyedContainer(box: nested)
        }

        mutating func superEncoder() -> any Encoder {
            let encoder = TreeEncoder()
            let nested = ObjectBox()
            encoder.root = .object(nested)
            box.items.append(.object(nested))
            return encoder
        }
    }
}

extension JSONValue {
    /// The value as compact JSON text, object members in their order (FHIR resources keep the order
    /// they are built in); strings escaped as `CanonicalJSON` escapes them, whole numbers without a fraction.
    public func jsonBytes() -> [UInt8] {
        var output: [UInt8] = []
        write(into: &output)
        return output
    }

    private func write(into output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .number(let number):
            if number.rounded() == number && abs(number) < 1e15 {
                output.append(contentsOf: String(Int(number)).utf8)
            } else if number.isFinite {
                output.append(contentsOf: "\(number)".utf8)
            } else {
                output.append(contentsOf: "null".utf8)  // JSON has no NaN or infinity
            }
        case .string(let text): CanonicalJSON.writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                CanonicalJSON.writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
