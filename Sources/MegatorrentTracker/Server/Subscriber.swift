import NIOCore

/// What takes manifest messages for a subscribed socket; called on its event loop only.
protocol ManifestSink: AnyObject {
    /// A manifest message for `key`; the sink drops it unless `held.sequence` is above the last
    /// one it sent for that key. Returns whether it wrote the message.
    func deliver(key: String, held: SubscriptionRegistry.Held) -> Bool
}

/// A subscribed socket as the registry holds it: an id, its event loop, and its sink, reachable
/// only on that loop.
final class Subscriber: Sendable {
    /// Unique for the server's lifetime.
    let id: UInt64
    /// The socket's event loop.
    let eventLoop: any EventLoop
    private let sink: NIOLoopBound<any ManifestSink>

    /// Must be made on `eventLoop`.
    init(id: UInt64, sink: any ManifestSink, eventLoop: any EventLoop) {
        self.id = id
        self.eventLoop = eventLoop
        self.sink = NIOLoopBound(sink, eventLoop: eventLoop)
    }

    /// Hands a message to the sink; call on `eventLoop`. Returns whether the sink wrote it.
    func deliverOnLoop(key: String, held: SubscriptionRegistry.Held) -> Bool {
        sink.value.deliver(key: key, held: held)
    }
}
