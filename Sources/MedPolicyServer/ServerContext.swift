import Hummingbird

/// The per-request context: Hummingbird's core storage plus the API client the key belongs to,
/// which the access log names instead of the key.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var client: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = nil
    }
}
