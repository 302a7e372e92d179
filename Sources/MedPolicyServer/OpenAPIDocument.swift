import Foundation

/// The committed OpenAPI 3.1 description of the HTTP API (`Resources/openapi.json`), served at
/// `/openapi.json` and used by the schemathesis run in `.ci/run`.
enum OpenAPIDocument {
    static let bytes: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources"),
              let data = try? Data(contentsOf: url) else {
            preconditionFailure("the MedPolicyServer resource Resources/openapi.json is missing")
        }
        return Array(data)
    }()
}
