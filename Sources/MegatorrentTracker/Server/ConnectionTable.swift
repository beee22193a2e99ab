import NIOConcurrencyHelpers
import NIOCore

/// The open connections, counted against the limit and closed on shutdown.
final class ConnectionTable: Sendable {
    private let limit: Int
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    init(limit: Int) { self.limit = limit }

    /// Takes `channel` into the table if there is room; it leaves the table when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = channels.withLockedValue { channels in
            guard channels.count < limit else { return false }
            channels[id] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [self] _ in _ = channels.withLockedValue { $0.removeValue(forKey: id) } }
        }
        return admitted
    }

    /// Open connections in the table.
    var count: Int { channels.withLockedValue { $0.count } }

    /// Every open connection in the table.
    var all: [any Channel] { channels.withLockedValue { Array($0.values) } }
}
