import ArgumentParser
import Foundation
import Model
import Policies
import Workflows

/// `medpolicy policies impact OLD NEW --claims FILE.837`: what a policy change does to a claim file.
struct PolicyImpactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impact",
        abstract: "Decide a claim file under policy OLD and under policy NEW and report what changes.",
        discussion: """
        The claims are adjudicated twice, as `batch` does (stage claim, in file order, each claim seeing the earlier \
        claims of the file): once with OLD and once with NEW deciding every claim the library gives to either \
        (by payer, line of business, date, jurisdiction or a program exception's route); the rest of the policy \
        library decides as usual. NEW applies its own effective period: a claim outside it is not applicable under NEW. \
        With --db, each run starts from a copy of that history (prior services, prior authorizations); the file \
        given is never opened, so never written. Reports counts by outcome and by CARC under each policy, the \
        moves between outcomes with the rules behind them, and every claim whose outcome or CARCs changed.

        Examples:
          medpolicy generate --claims 2000 --seed 7 --error-rate 0.15 > claims.837
          medpolicy policies impact medicare/l33912 medicare/l34211 --claims claims.837 --html impact.html
          medpolicy policies impact medicare/l33912 /tmp/revised.yaml --claims claims.837 --db history.sqlite --json
        """
    )

    @Argument(help: "The old policy: an id or a policy file.") var old: String
    @Argument(help: "The new policy: an id or a policy file.") var new: String
    @Option(help: "The X12 837P claim file.") var claims: String
    @Option(help: "SQLite claim history to start each run from (read, never written).") var db: String?
    @Option(help: "Write an HTML report with charts here.") var html: String?
    @Flag(help: "Print the impact as JSON instead of text.") var json = false
    @OptionGroup var policies: PolicyOptions

    func run() async throws {
        let evaluator = try policies.evaluator()
        let a = try resolvePolicy(old, policies: policies.directory), b = try resolvePolicy(new, policies: policies.directory)
        guard FileManager.default.isReadableFile(atPath: claims) else { throw UserError("\(claims): no such file, or not readable") }
        // The report goes to a temporary file renamed at the end, so a failed run leaves none half-written.
        let outputs = try OutputFiles([html])
        defer { outputs.discard() }
        let impact = try await PolicyImpact.run(file: claims, old: a, new: b, evaluator: evaluator, history: db)
        if let html {
            let page = Data(ImpactReport.render(impact, carcText: { evaluator.context.tables.carc($0) }).utf8)
            try writingTo(html) { try outputs.handle(for: html).write(contentsOf: page) }
        }
        try outputs.commit()
        if json {
            try printJSON(impact)
        } else {
            print(impact.text(describingCARC: { evaluator.context.tables.carc($0) }))
            if let html { print("report: \(html)") }
        }
    }
}
