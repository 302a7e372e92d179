import Foundation
import HTTPTypes
import Hummingbird
import Model
import Mustache
import NIOCore

/// The coder's workbench at `GET /`: one HTML page rendered from `Resources/Workbench/workbench.mustache`
/// (values escaped by default) and its plain script and style sheet. The page carries no claim data,
/// only the payer list and the contract's value sets, so it is served without a key; the API
/// calls it makes are authenticated as any client's.
struct WorkbenchPage: Sendable {
    /// The rendered page, the same for every request (the payers are fixed while the server runs).
    let html: [UInt8]

    static let script = resource("workbench", "js")
    static let styleSheet = resource("workbench", "css")

    /// Paths served without a key (AccessMiddleware): the page and its assets hold no PHI.
    static let paths: Set<String> = ["/", "/workbench.js", "/workbench.css"]

    /// Allows only this server's own script and style sheet, so nothing on the page loads from elsewhere.
    static let securityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    init(payers: [String]) throws {
        let template = try MustacheTemplate(string: String(decoding: Self.resource("workbench", "mustache"), as: UTF8.self))
        let values: [String: Any] = [
            "payers": payers.map { ["id": $0] },
            "sexes": Sex.allCases.map(\.rawValue),
            "linesOfBusiness": LineOfBusiness.allCases.map(\.rawValue),
            "lateralities": Laterality.allCases.map(\.rawValue),
            "guidances": ImagingGuidance.allCases.map(\.rawValue),
            "findings": Finding.allCases.map { ["id": $0.rawValue, "label": Self.words($0.rawValue)] },
            "documents": DocumentationElement.allCases.map { ["id": $0.rawValue, "label": $0.rawValue.replacingOccurrences(of: "_", with: " ")] },
        ]
        html = Array(template.render(values).utf8)
    }

    /// "tautBand" → "taut band".
    static func words(_ camelCase: String) -> String {
        var out = ""
        for character in camelCase {
            if character.isUppercase { out += " " + character.lowercased() } else { out.append(character) }
        }
        return out
    }

    static func resource(_ name: String, _ ext: String) -> [UInt8] {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources/Workbench"),
              let data = try? Data(contentsOf: url) else {
            preconditionFailure("the MedPolicyServer resource Resources/Workbench/\(name).\(ext) is missing")
        }
        return Array(data)
    }

    func add(to router: Router<ServerContext>) {
        router.get("/") { [html] _, _ in
            Self.response(html, type: "text/html; charset=utf-8")
        }
        router.get("/workbench.js") { _, _ in
            Self.response(Self.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/workbench.css") { _, _ in
            Self.response(Self.styleSheet, type: "text/css; charset=utf-8")
        }
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .contentSecurityPolicy: securityPolicy, .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
