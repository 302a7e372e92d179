import ArgumentParser

/// `medpolicy validate`: check an encounter against Contract 1 without deciding it.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check an encounter JSON file against the encounter contract.",
        discussion: """
        Prints `valid`, or every error with its JSON path (exit status 2).

        Examples:
          medpolicy validate Examples/florida-blue-approved.json
          cat encounter.json | medpolicy validate -
        """
    )

    @Argument(help: "The encounter JSON file, or - for standard input.")
    var file: String

    func run() throws {
        _ = try readEncounter(file)
        print("valid")
    }
}
