import FHIRInterchange
import Foundation
import Interchange
import MedPolicyServer
import Model
import Testing

@Suite("Security and operations")
struct SecurityTests {
    static let key = "3f6c2a9e0b1d4c7a8e5f2b6d9c0a1e4f"
    static let keys = try! APIKeys(text: "# test clients\nehr-one\t\(key)\n", source: "keys.txt")

    @Test func apiKeysAreRequiredExceptForHealthMetricsAndTheAPIDescription() async throws {
        let server = try await RunningServer.start(apiKeys: Self.keys)
        let body = try example("florida-blue-approved.json")

        let missing = try await server.send("POST", "/v1/determinations", body: body)
        #expect(missing.status == 401)
        #expect(missing.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(try await server.send("POST", "/v1/determinations", body: body, key: String(Self.key.dropLast()) + "0").status == 401)
        #expect(try await server.send("GET", "/v1/policies", key: Self.key + "x").status == 401)
        #expect(try await server.send("POST", "/v1/determinations", body: body, key: Self.key).status == 200)

        #expect(try await server.send("GET", "/health").status == 200)
        #expect(try await server.send("GET", "/openapi.json").status == 200)
        let metrics = try await server.send("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("medpolicy_http_requests_total{route=\"/v1/determinations\",status=\"401\"} 2"), "\(metrics.text)")
        #expect(metrics.text.contains("medpolicy_http_requests_total{route=\"/v1/determinations\",status=\"200\"} 1"), "\(metrics.text)")
        // One latency histogram per route, whatever the status: the two refusals and the answer.
        #expect(metrics.text.contains("medpolicy_http_request_duration_seconds_count{route=\"/v1/determinations\"} 3"), "\(metrics.text)")
        #expect(metrics.text.contains("medpolicy_determinations_total{payer=\"florida-blue\",outcome=\"approved\"} 1"), "\(metrics.text)")
        #expect(server.logs.text.contains("client=ehr-one"))
        #expect(!server.logs.text.contains(Self.key))
        await server.stop()
    }

    @Test func keyFilesAreCheckedAtStart() throws {
        #expect(throws: APIKeysError.self) { try APIKeys(text: "short-key\n", source: "keys.txt") }
        #expect(throws: APIKeysError.self) { try APIKeys(text: "# only a comment\n", source: "keys.txt") }
        let keys = try APIKeys(text: "\(Self.key)\n", source: "keys.txt")
        #expect(keys.client(presenting: Substring(Self.key)) == "key-1")
        #expect(keys.client(presenting: "") == nil)
    }

    /// Issue 27 item 8: a key file with CRLF (or CR) line ends reads the same keys; the length is counted
    /// without the line end, and control characters are refused.
    @Test func keyFilesWithCRLFLineEndsReadTheSameKeys() throws {
        for text in ["# clients\r\nehr-one\t\(Self.key)\r\n", "ehr-one\t\(Self.key)\r", "ehr-one\t\(Self.key)"] {
            let keys = try APIKeys(text: text, source: "keys.txt")
            #expect(keys.client(presenting: Substring(Self.key)) == "ehr-one", "\(text.debugDescription)")
        }
        // 31 characters plus a CR is short, not a 32-character key.
        #expect(throws: APIKeysError.self) { try APIKeys(text: String(Self.key.dropLast()) + "\r\n", source: "keys.txt") }
        #expect(throws: APIKeysError.self) { try APIKeys(text: Self.key + "\u{7}\n", source: "keys.txt") }
    }

    /// Issue 27 item 3: a client-chosen payer never becomes a metrics label; known payers keep theirs.
    @Test func metricsLabelOnlyKnownPayers() async throws {
        let server = try await RunningServer.start()
        let body = try example("florida-blue-approved.json")
        var encounter = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        for index in 0..<3 {
            var coverage = encounter["coverage"] as! [String: Any]
            coverage["payer"] = "payer-typed-by-a-client-\(index)"
            encounter["coverage"] = coverage
            encounter["id"] = "METRICS-\(index)"
            let response = try await server.send("POST", "/v1/determinations?record=false", body: try JSONSerialization.data(withJSONObject: encounter))
            #expect(response.status == 200)
        }
        #expect(try await server.send("POST", "/v1/determinations?record=false", body: body).status == 200)
        let metrics = try await server.send("GET", "/metrics").text
        #expect(!metrics.contains("payer-typed-by-a-client"), "\(metrics)")
        #expect(metrics.contains("medpolicy_determinations_total{payer=\"unknown\",outcome=\"not_applicable\"} 3"), "\(metrics)")
        #expect(metrics.contains("medpolicy_determinations_total{payer=\"florida-blue\",outcome=\"approved\"} 1"), "\(metrics)")
        await server.stop()
    }

    /// Member ids, names and birth dates must not reach the logs, whatever the request held,
    /// including errors that quote it.
    @Test func logsHoldNoMemberIdsNamesOrBirthDates() async throws {
        let server = try await RunningServer.start()
        var phi: Set<String> = []
        for name in exampleNames {
            let body = try example(name)
            let encounter = try EncounterReader.decode(body)
            phi.insert(encounter.member.id)
            if let birthDate = encounter.member.birthDate { phi.insert(birthDate.description) }
            _ = try await server.send("POST", "/v1/determinations", body: body)
            _ = try await server.send("POST", "/v1/determinations?payers=all", body: body)
            _ = try await server.send("POST", "/fhir/Claim/$submit", body: FHIRJSONWriter.data(PAS.requestBundle(for: encounter)))
            _ = try await server.send("POST", "/cds-services/medpolicy-order-sign",
                                      body: CRD.requestData(for: encounter, hook: .orderSign, hookInstance: "log-test"))
        }
        // A malformed encounter whose error message quotes its birth date, with a patient name in an unknown key.
        let bad = #"{"id": "CLM-PHI", "member": {"id": "MBR-SECRET-77", "birthDate": "1961-02-30"}, "patientName": "Jane Q Doe", "#
            + #""coverage": {"payer": "aetna"}, "dateOfService": "2025-09-10", "lines": [{"code": "20552"}]}"#
        phi.formUnion(["MBR-SECRET-77", "1961-02-30", "Jane Q Doe"])
        let reply = try await server.send("POST", "/v1/determinations", body: Data(bad.utf8))
        #expect(reply.status == 422)
        #expect(reply.text.contains("1961-02-30"))  // the caller is told; the log is not
        await server.stop()
        let logs = server.logs.text
        #expect(logs.contains("route=/v1/determinations"))
        for value in phi.sorted() {
            #expect(!logs.contains(value), "the log holds \(value)")
        }
    }
}
