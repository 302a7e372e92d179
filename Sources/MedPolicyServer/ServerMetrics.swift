import Model
import Prometheus
import Synchronization

/// What `/metrics` reports, in the Prometheus text format: requests by route and status, their
/// latency, and determinations by payer and outcome. Labels never carry request content.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    /// The collectors already made, by label values. The registry builds the metric's name and
    /// checks its labels on every `make…` call (6 % of a determination request's CPU when called
    /// per request); the label sets are few (route × status, payer × outcome), so each is made once.
    private let requestCollectors = Mutex<[RequestLabels: (count: Counter, latency: DurationHistogram)]>([:])
    private let determinationCounters = Mutex<[DeterminationLabels: Counter]>([:])

    private struct RequestLabels: Hashable { let route: String, status: Int }
    private struct DeterminationLabels: Hashable { let payer: String, outcome: Outcome }

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
        let collectors = requestCollectors.withLock { made in
            if let existing = made[RequestLabels(route: route, status: status)] { return existing }
            let new = (count: registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))]),
                       latency: registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.buckets))
            made[RequestLabels(route: route, status: status)] = new
            return new
        }
        collectors.count.increment()
        collectors.latency.record(duration)
    }

    /// Counts a determination. The payer label is one of `knownPayers` (the loaded policies') or
    /// `unknown`: an encounter's payer is whatever the client typed, and a label per distinct value
    /// would grow the registry without bound and publish client input on the unauthenticated `/metrics`.
    func recordDetermination(payer: String, outcome: Outcome, knownPayers: [String]) {
        let labels = DeterminationLabels(payer: knownPayers.contains(payer) ? payer : "unknown", outcome: outcome)
        let counter = determinationCounters.withLock { made in
            if let existing = made[labels] { return existing }
            let new = registry.makeCounter(descriptor: Self.determinations, labels: [("payer", labels.payer), ("outcome", labels.outcome.rawValue)])
            made[labels] = new
            return new
        }
        counter.increment()
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
