extension JobQueue: SnapshotState {
    /// Version 1: the last token, the job count, then each job (by id) field by field, its state
    /// as a tag (0 ready, 1 leased, 2 completed, 3 dead) and the state's values.
    public static var snapshotVersion: UInt32 { 1 }

    public func writeSnapshot(into writer: inout SnapshotWriter) {
        writer.write(lastToken)
        writer.writeCount(jobs.count)
        for id in jobs.keys.sorted() {
            let job = jobs[id]!
            writer.write(job.id)
            writer.write(job.queue)
            writer.write(job.payload)
            writer.write(job.priority)
            writer.write(job.notBefore)
            writer.write(job.attempts)
            writer.write(job.lastError) { $0.write($1) }
            writer.write(job.enqueuedAt)
            switch job.state {
            case .ready: writer.write(UInt8(0))
            case .leased(let lease):
                writer.write(UInt8(1))
                writer.write(lease.worker)
                writer.write(lease.token)
                writer.write(lease.expires)
            case .completed(let at):
                writer.write(UInt8(2))
                writer.write(at)
            case .dead(let at, let reason):
                writer.write(UInt8(3))
                writer.write(at)
                writer.write(reason)
            }
        }
    }

    public mutating func readSnapshot(from reader: inout SnapshotReader) throws(SnapshotError) {
        let lastToken = try reader.readInt64()
        let count = try reader.readCount()
        var jobs: [Job] = []
        jobs.reserveCapacity(count)
        for _ in 0..<count {
            var job = Job(
                id: try reader.readInt64(), queue: try reader.readString(), payload: try reader.readString(),
                priority: try reader.readInt(), notBefore: try reader.readTimestamp(), enqueuedAt: .min)
            job.attempts = try reader.readInt()
            job.lastError = try reader.readOptional { reader throws(SnapshotError) in try reader.readString() }
            job.enqueuedAt = try reader.readTimestamp()
            switch try reader.readByte() {
            case 0: job.state = .ready
            case 1:
                job.state = .leased(
                    Lease(
                        worker: try reader.readString(), token: try reader.readInt64(),
                        expires: try reader.readTimestamp()))
            case 2: job.state = .completed(at: try reader.readTimestamp())
            case 3: job.state = .dead(at: try reader.readTimestamp(), reason: try reader.readString())
            case let tag: throw reader.error("a job state tagged \(tag)")
            }
            jobs.append(job)
        }
        guard Set(jobs.map(\.id)).count == jobs.count else { throw reader.error("a job id appears twice") }
        self = JobQueue(policy: policy, restoring: jobs, lastToken: lastToken)
    }
}
