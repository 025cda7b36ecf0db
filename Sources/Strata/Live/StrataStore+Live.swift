import StrataEngine

extension StrataStore {
    /// Subscribes to live 1-minute bar updates of trades: after each stored batch of trades, the
    /// current 1m bar of every (symbol, minute) the batch stored trades in, ordered by symbol then
    /// minute — one element per commit, in commit order.
    ///
    /// ```swift
    /// for try await bars in try store.subscribeBars(symbols: ["BTCUSDT"]) {
    ///     for bar in bars { chart.update(bar) }    // replaces the bar with the same start
    /// }
    /// ```
    ///
    /// An update is **provisional**: it is the bar as of that commit, and the next trade for the
    /// same minute sends a newer one. A minute's last update is final for the data received once
    /// newer trades of the symbol arrive, unless a late trade for it comes later (then it is
    /// sent again, corrected). Each update equals what ``bars(symbol:timeframe:from:to:offset:emptyBuckets:)``
    /// returns for that minute right after the commit. See the Aggregates and Live articles.
    ///
    /// Bars of a day already sealed to disk (trades more than `sealGrace` late) are completed by
    /// a 1-minute query when the update is read, so they may include commits after it.
    /// - Parameters:
    ///   - symbols: the symbols to receive; `nil` for all.
    ///   - bufferLimit: most bar updates that may wait unread before the subscriber is dropped.
    /// - Throws: ``StrataError`` `.invalidArgument` when aggregates are off or for a bad
    ///   argument, `.closed` if the store is closed.
    public func subscribeBars(symbols: [Symbol]? = nil, bufferLimit: Int = 100_000) throws(StrataError)
        -> LiveSubscription<Bar>
    {
        guard tradeBars != nil else {
            throw StrataError(.invalidArgument, "bars are not maintained: the store was opened with aggregates off")
        }
        let subscriber = try LiveSubscriber.make(kind: .bars, symbols: symbols, bufferLimit: bufferLimit)
        try trades.live.add(subscriber)
        return LiveSubscription(subscriber: subscriber, hub: trades.live) { entry throws(LiveFeedError) in
            guard case .bars(let updates) = entry else { return [] }
            var result: [Bar] = []
            result.reserveCapacity(updates.count)
            for update in updates {
                let symbol = Symbol(unchecked: update.symbol)
                if update.complete {
                    result.append(Bar(minute: update.state, symbol: symbol))
                    continue
                }
                let start = Timestamp(nanoseconds: update.state.start)
                do {
                    let stored = try await self.bars(
                        symbol: symbol, timeframe: .oneMinute, from: start, to: start.advanced(by: LiveHub.minute))
                    result.append(stored.first ?? Bar(minute: update.state, symbol: symbol))
                } catch {
                    throw .unavailable(
                        error as? StrataError ?? StrataError(.io, "live bar of \(symbol.name): \(error)"))
                }
            }
            return result
        }
    }
}

extension Bar {
    /// A 1-minute bar from the engine's accumulator.
    init(minute state: BarState, symbol: Symbol) {
        self.init(
            symbol: symbol, timeframe: .oneMinute, start: Timestamp(nanoseconds: state.start),
            open: Price(mantissa: state.open), high: Price(mantissa: state.high), low: Price(mantissa: state.low),
            close: Price(mantissa: state.close), volume: Volume(mantissa: state.volume),
            notional: Notional(mantissa: state.notional), tradeCount: Int(state.count))
    }
}
