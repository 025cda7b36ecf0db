// `import Strata` brings the vocabulary (Trade, Price, Timestamp, …) with it.
@_exported public import StrataCore
