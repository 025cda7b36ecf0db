// `import Strata` brings the vocabulary (Trade, Price, Timestamp, …) and the engine's
// configuration types (Durability, TableStats, …) with it.
@_exported public import StrataCore
@_exported public import StrataEngine
