import Foundation
import Testing
@testable import Model

/// The JSON parser every reader goes through (encounters, FHIR bundles): strings with and without
/// escapes read as Foundation reads them, and malformed strings are located errors.
@Suite("JSON parser")
struct JSONParserTests {
    static func foundationString(_ json: String) throws -> String {
        let array = try JSONSerialization.jsonObject(with: Data("[\(json)]".utf8)) as? [Any]
        return try #require(array?.first as? String)
    }

    @Test("strings with escapes before, between and after plain text read as Foundation reads them",
          arguments: [
              #""plain""#, #""""#, #""\"quoted\" at start""#, #""ends with \\""#, #""mid\ndle\ttabs\r""#,
              #""slash \/ and \b\f""#, #""\u00e9 and \u2028""#, #""emoji \ud83d\ude00 pair""#, #""é 😀 raw""#,
              #""long plain prefix before the first escape: \"here\" and after""#,
          ])
    func strings(_ json: String) throws {
        guard case .string(let parsed) = try JSONValue.parse(Data(json.utf8)) else {
            Issue.record("not a string: \(json)"); return
        }
        #expect(parsed == (try Self.foundationString(json)))
    }

    @Test("generated strings round-trip through the canonical writer and the parser")
    func generatedStrings() throws {
        var random = SystemRandomNumberGenerator()
        let alphabet: [Character] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1f}", "é", "😀", "\u{2028}"]
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            var bytes: [UInt8] = []
            CanonicalJSON.writeString(text, into: &bytes)
            #expect(try JSONValue.parse(Data(bytes)) == .string(text), "\(text.debugDescription)")
        }
    }

    @Test("a control character or a bad escape inside a string is located")
    func malformedStrings() {
        for (json, message) in [("{\n  \"a\": \"ok\u{1}\"}", "control character in a string"),
                                ("[\"abc\\q\"]", "invalid escape in a string"),
                                ("[\"abc", "unterminated string"),
                                ("[\"abc\\ud800x\"]", "unpaired surrogate in \\u escape")] {
            #expect(throws: JSONSyntaxError.self) { _ = try JSONValue.parse(Data(json.utf8)) }
            do {
                _ = try JSONValue.parse(Data(json.utf8))
            } catch {
                #expect(error.message == message, "\(json.debugDescription)")
            }
        }
        do {
            _ = try JSONValue.parse(Data("{\n  \"a\": \"ok\u{1}\"}".utf8))
        } catch {
            #expect(error.line == 2 && error.column == 11)  // the control character itself
        }
    }

    /// Issue 27.5: invalid UTF-8 is a located error, never replaced with U+FFFD (which merged members).
    @Test("invalid UTF-8 is refused where it is; a real U+FFFD is read")
    func invalidUTF8IsRefused() throws {
        for bad: UInt8 in [0xFF, 0xFE, 0xC0, 0x80] {
            let bytes = Array(#"{"member": {"id": "UTFMEM"#.utf8) + [bad] + Array(#""}}"#.utf8)
            #expect(throws: JSONSyntaxError(line: 1, column: 26, message: "invalid UTF-8 (byte 0x\(String(bad, radix: 16, uppercase: true)))")) {
                _ = try JSONValue.parse(Data(bytes))
            }
        }
        let truncated = Array("{\"id\":\n\"é".utf8.dropLast()) + Array("\"}".utf8)
        #expect(throws: JSONSyntaxError.self) { _ = try JSONValue.parse(Data(truncated)) }
        let replacement = try JSONValue.parse(Data(#"{"id": "UTFMEM\#u{FFFD}"}"#.utf8))
        #expect(replacement == .object([("id", .string("UTFMEM\u{FFFD}"))]))
    }
}
