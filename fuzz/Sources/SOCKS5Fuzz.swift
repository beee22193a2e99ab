import MegatorrentProxy

/// The `socks5` fuzz target's body (see ``FuzzTarget/socks5``).
enum SOCKS5Fuzz {
    static func run(_ input: [UInt8]) {
        guard let control = input.first else { return }
        let replies = Array(input.dropFirst())
        let credentials = control & 1 == 0 ? nil : SOCKS5Credentials(username: "u", password: "p")
        let target = SOCKS5Target(host: control & 2 == 0 ? "example.org" : "127.0.0.1", port: 80)
        let split = min(Int(control >> 2), replies.count)
        // Bytes a proxy sends before its turn are refused when they arrive with the previous reply and
        // read as the next reply when they arrive later: the outcome may depend on the split, but in
        // every split an open tunnel hands back a tail of the input, and one delivery per byte never
        // leaves bytes over.
        for deliveries in [[replies], [Array(replies[..<split]), Array(replies[split...])], replies.map { [$0] }] {
            if case .established(_, _, let leftover)? = outcome(target: target, credentials: credentials, deliveries: deliveries).final {
                precondition(Array(replies.suffix(leftover.count)) == leftover, "leftover is the input's tail")
                if deliveries.count == replies.count { precondition(leftover.isEmpty, "byte by byte, nothing is left over") }
            }
        }
    }

    /// Runs the machine over the deliveries, answering each `.send` as a client would; the last
    /// terminal action (established or failed), if any.
    private static func outcome(
        target: SOCKS5Target, credentials: SOCKS5Credentials?, deliveries: [[UInt8]]
    ) -> (final: SOCKS5ClientStateMachine.Action?, sent: Int) {
        guard var machine = try? SOCKS5ClientStateMachine(target: target, credentials: credentials) else { return (nil, 0) }
        var sent = machine.start().count
        for delivery in deliveries where !delivery.isEmpty {
            switch machine.receive(delivery) {
            case .needMoreData: continue
            case .send(let bytes): sent += bytes.count
            case let terminal: return (terminal, sent)
            }
        }
        return (nil, sent)
    }
}
