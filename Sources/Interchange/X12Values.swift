import Model

/// Byte-level readers for X12 simple data types (R decimal, N0 integer, DT date).
package enum X12Values {
    /// The largest amount an R element of 18 characters carries with cents: 999999999999999.99
    /// (15 whole digits, as `cents` reads them). A total past it cannot be written.
    static let largestAmountCents = 99_999_999_999_999_999

    /// An R (decimal) amount in cents: `150`, `150.5`, `150.25`, `-3`. `nil` when not a number
    /// or when it has non-zero digits past the cents.
    static func cents(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        var negative = false
        if index < buffer.count, buffer[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var whole = 0, digits = 0, fraction = 0, fractionDigits = 0, sawPoint = false
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: ".") {
                if sawPoint { return nil }
                sawPoint = true
            } else if byte >= 0x30 && byte <= 0x39 {
                let digit = Int(byte - 0x30)
                if sawPoint {
                    if fractionDigits < 2 { fraction = fraction * 10 + digit } else if digit != 0 { return nil }
                    fractionDigits += 1
                } else {
                    guard digits < 15 else { return nil }
                    whole = whole * 10 + digit
                    digits += 1
                }
            } else {
                return nil
            }
            index += 1
        }
        guard digits + fractionDigits > 0 else { return nil }
        if fractionDigits == 1 { fraction *= 10 }
        let value = whole * 100 + fraction
        return negative ? -value : value
    }

    /// A non-negative whole number (`3`, also `3.0`); `nil` otherwise.
    static func wholeNumber(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let cents = cents(buffer), cents >= 0, cents % 100 == 0 else { return nil }
        return cents / 100
    }

    /// Digits only, at most 9 of them.
    static func unsignedInteger(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard (1...9).contains(buffer.count) else { return nil }
        var value = 0
        for byte in buffer {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// CCYYMMDD.
    static func date(_ buffer: UnsafeBufferPointer<UInt8>) -> LocalDate? {
        guard buffer.count == 8 else { return nil }
        var parts = [0, 0, 0]
        let widths = [4, 2, 2]
        var index = 0
        for part in 0..<3 {
            for _ in 0..<widths[part] {
                let byte = buffer[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                parts[part] = parts[part] * 10 + Int(byte - 0x30)
                index += 1
            }
        }
        return LocalDate(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Cents as an X12 R value: no trailing zeros after the point (`150`, `150.5`, `12.25`).
    package static func amount(_ cents: Int) -> String {
        let negative = cents < 0
        let magnitude = negative ? -cents : cents
        var text = String(magnitude / 100)
        let fraction = magnitude % 100
        if fraction != 0 {
            text += fraction % 10 == 0 ? "." + String(fraction / 10) : (fraction < 10 ? ".0" : ".") + String(fraction)
        }
        return negative ? "-" + text : text
    }

    /// CCYYMMDD text of a date.
    package static func dateText(_ date: LocalDate) -> String {
        let text = date.description
        return String(text.prefix(4)) + String(text.dropFirst(5).prefix(2)) + String(text.suffix(2))
    }
}
