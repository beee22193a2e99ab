import MegatorrentManifest

extension SequenceStore {
    /// Records a verified manifest's sequence as accepted, or throws
    /// `ManifestError.staleSequence` when it is not above the last one accepted for its key (a
    /// replay or a rollback), also across restarts. Returns the previous last sequence.
    @discardableResult
    public func accept(_ manifest: SignedManifest) throws -> UInt64? {
        switch try accept(channel: manifest.channelID, sequence: manifest.sequence) {
        case let .accepted(previous): return previous
        case let .stale(last): throw ManifestError.staleSequence(last: last, got: manifest.sequence)
        }
    }
}
