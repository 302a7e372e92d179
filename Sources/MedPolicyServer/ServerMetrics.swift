import Model
import Prometheus

/// What `/metrics` reports, in the Prometheus text format: requests by route and status, their
/// latency, and determinations by payer and outcome. Labels never carry request content.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    // The descriptors are immutable values of Strings (not declared Sendable upstream); built once,
    // not per request.
    nonisolated(unsafe) private static let requests = MetricNameDescriptor(
        namespace: "medpolicy", subsystem: "http", metricName: "requests", unitName: "total",
        helpText: "HTTP requests answered, by route template and status code.")
    nonisolated(unsafe) private static let latency = MetricNameDescriptor(
        namespace: "medpolicy", subsystem: "http", metricName: "request_duration", unitName: "seconds",
        helpText: "Time from request head to response, by route template.")
    nonisolated(unsafe) private static let determinations = MetricNameDescriptor(
        namespace: "medpolicy", metricName: "determinations", unitName: "total",
        helpText: "Determinations made, by payer and claim outcome.")
    private static let buckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                              .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
                                              .milliseconds(500), .seconds(2), .seconds(10)]

    func recordRequest(route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.buckets).record(duration)
    }

    /// Counts a determination. The payer label is one of `knownPayers` (the loaded policies') or
    /// `unknown`: an encounter's payer is whatever the client typed, and a label per distinct value
    /// would grow the registry without bound and publish client input on the unauthenticated `/metrics`.
    func recordDetermination(payer: String, outcome: Outcome, knownPayers: [String]) {
        let label = knownPayers.contains(payer) ? payer : "unknown"
        registry.makeCounter(descriptor: Self.determinations, labels: [("payer", label), ("outcome", outcome.rawValue)]).increment()
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
