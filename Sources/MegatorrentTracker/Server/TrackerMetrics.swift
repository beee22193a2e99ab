import NIOConcurrencyHelpers
import Synchronization

/// Counters of a running tracker, rendered in the Prometheus text format at `/metrics`.
final class TrackerMetrics: Sendable {
    /// Why the server closed a socket itself.
    enum CloseReason: String, CaseIterable, Sendable {
        case idle
        case slowReader = "slow_reader"
        case oversized
        case protocolError = "protocol_error"
        case shutdown
    }

    /// Open WebSockets.
    let webSockets = Atomic<Int>(0)
    /// Manifest messages written to subscribers.
    let manifestsSent = Atomic<Int>(0)
    private let counters = NIOLockedValueBox(Counters())

    private struct Counters {
        var publishesStored = 0
        var refusals: [Int: Int] = [:]
        var closes: [CloseReason: Int] = [:]
        var connectionsRefused = 0
        var announces = 0
        var scrapes = 0
    }

    func publishStored() { counters.withLockedValue { $0.publishesStored += 1 } }
    func refused(code: Int) { counters.withLockedValue { $0.refusals[code, default: 0] += 1 } }
    func closed(_ reason: CloseReason) { counters.withLockedValue { $0.closes[reason, default: 0] += 1 } }
    func connectionRefused() { counters.withLockedValue { $0.connectionsRefused += 1 } }
    func announced() { counters.withLockedValue { $0.announces += 1 } }
    func scraped() { counters.withLockedValue { $0.scrapes += 1 } }

    /// Gauges read from the other parts of the server when rendering.
    struct Gauges {
        var connections: Int
        var subscriptions: Int
        var subscribedChannels: Int
        var swarms: Int
        var peers: Int
    }

    /// The Prometheus text exposition (version 0.0.4).
    func render(_ gauges: Gauges) -> String {
        let c = counters.withLockedValue { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            out += "# HELP megatorrent_tracker_\(name) \(help)\n# TYPE megatorrent_tracker_\(name) \(type)\n"
            for sample in samples { out += "megatorrent_tracker_\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("connections", "gauge", "Open TCP connections (HTTP and WebSocket).", [("", gauges.connections)])
        metric("websockets", "gauge", "Open WebSocket connections.", [("", webSockets.load(ordering: .relaxed))])
        metric("subscriptions", "gauge", "Subscriptions over all WebSockets.", [("", gauges.subscriptions)])
        metric(
            "subscribed_channels", "gauge", "Channel keys with at least one subscriber.",
            [("", gauges.subscribedChannels)])
        metric("publishes_total", "counter", "Manifests verified and stored.", [("", c.publishesStored)])
        metric(
            "manifests_sent_total", "counter", "Manifest messages written to subscribers.",
            [("", manifestsSent.load(ordering: .relaxed))])
        metric(
            "refusals_total", "counter", "Refused messages by failure code.",
            c.refusals.sorted { $0.key < $1.key }.map { ("{code=\"\($0.key)\"}", $0.value) })
        metric(
            "closes_total", "counter", "Sockets the server closed, by reason.",
            CloseReason.allCases.map { ("{reason=\"\($0.rawValue)\"}", c.closes[$0, default: 0]) })
        metric(
            "connections_refused_total", "counter", "Connections refused past the connection limit.",
            [("", c.connectionsRefused)])
        metric("announces_total", "counter", "HTTP announces answered.", [("", c.announces)])
        metric("scrapes_total", "counter", "HTTP scrapes answered.", [("", c.scrapes)])
        metric("swarms", "gauge", "Info hashes with peers.", [("", gauges.swarms)])
        metric("peers", "gauge", "Peers over all swarms.", [("", gauges.peers)])
        return out
    }
}
