// TEMPORARY: the hand-written document, kept only until the generated one is proven equal.
enum OpenAPILegacyDocument {
    static let text = #"""
        {
          "openapi": "3.0.3",
          "info": {
            "title": "Strata server",
            "version": "1.0.0",
            "description": "ILP ingest and JSON queries over a Strata store. Decimals are JSON strings. Errors: {code, message, line?, parameter?, errorId}."
          },
          "servers": [
            {
              "url": "http://127.0.0.1:9000"
            }
          ],
          "security": [
            {
              "bearer": []
            }
          ],
          "paths": {
            "/api/v1/aggtrades/last": {
              "get": {
                "summary": "Newest stored timestamp of a symbol in aggtrades (null if none).",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LastTimestamp"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/aggtrades/latest": {
              "get": {
                "summary": "Newest aggtrades of a symbol, newest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Rows to return, 1...100000 (default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 100
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/AggregatedTrade"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/aggtrades/range": {
              "get": {
                "summary": "aggtrades of a symbol with from <= time < to, oldest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Most rows returned, 1...100000 (default 10000); truncated tells if more exist.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 10000
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/AggregatedTrade"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/bars": {
              "get": {
                "summary": "OHLCV bars of trades, buckets starting in [from, to).",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "timeframe",
                    "in": "query",
                    "required": true,
                    "description": "1m, 5m, 15m, 1h, 1d or any whole-minute timeframe (3m, 4h, 1w).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "offset",
                    "in": "query",
                    "required": false,
                    "description": "Bucket offset in minutes, -1440...1440 (default 0).",
                    "schema": {
                      "type": "integer",
                      "default": 0
                    }
                  },
                  {
                    "name": "empty",
                    "in": "query",
                    "required": false,
                    "description": "Empty buckets: omit (default) or carry (flat bar at the previous close).",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "omit",
                        "carry"
                      ]
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "symbol": {
                              "type": "string"
                            },
                            "timeframe": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "bars": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Bar"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/live": {
              "get": {
                "summary": "Live feed over WebSocket: every row stored from now on, as JSON text messages.",
                "description": "Connect with a WebSocket client (GET with Upgrade: websocket; answered 101 Switching Protocols). Messages: first {\"type\":\"subscribed\",\"channels\",\"symbols\",\"bufferLimit\"}, then {\"type\":\"rows\",\"channel\",\"seq\",\"rows\"} per stored batch (at most 500 rows per message; seq counts each channel's messages from 1), rows as in the query API (bars_1m rows also carry symbol and timeframe, and are provisional updates of the current 1-minute bar). Close codes: 1008 unauthorized or invalid parameter (with the reason), 1013 slow consumer (more than live.bufferLimit rows behind), 1001 server shutting down or store closed. Without an upgrade: 426.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "channel",
                    "in": "query",
                    "required": true,
                    "description": "Comma-separated: trades, aggtrades, quotes, bars_1m.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "symbols",
                    "in": "query",
                    "required": false,
                    "description": "Comma-separated symbols (1...1000); omitted: every symbol.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "token",
                    "in": "query",
                    "required": false,
                    "description": "A read or write token, for clients that cannot set the Authorization header (browsers).",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "101": {
                    "description": "Switching Protocols: the WebSocket is open."
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "426": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/quotes/last": {
              "get": {
                "summary": "Newest stored timestamp of a symbol in quotes (null if none).",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LastTimestamp"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/quotes/latest": {
              "get": {
                "summary": "Newest quotes of a symbol, newest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Rows to return, 1...100000 (default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 100
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Quote"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/quotes/range": {
              "get": {
                "summary": "quotes of a symbol with from <= time < to, oldest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Most rows returned, 1...100000 (default 10000); truncated tells if more exist.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 10000
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Quote"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/stats": {
              "get": {
                "summary": "Rows, symbols, partitions and bytes of every table.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "tables": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/TableStats"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/trades/last": {
              "get": {
                "summary": "Newest stored timestamp of a symbol in trades (null if none).",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/LastTimestamp"
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/trades/latest": {
              "get": {
                "summary": "Newest trades of a symbol, newest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Rows to return, 1...100000 (default 100).",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 100
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Trade"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v1/trades/range": {
              "get": {
                "summary": "trades of a symbol with from <= time < to, oldest first.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "parameters": [
                  {
                    "name": "symbol",
                    "in": "query",
                    "required": true,
                    "description": "Instrument symbol, e.g. BTCUSDT.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": true,
                    "description": "ISO-8601 (2024-07-01T00:00:00Z) or epoch nanoseconds.",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "Most rows returned, 1...100000 (default 10000); truncated tells if more exist.",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 100000,
                      "default": 10000
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object",
                          "properties": {
                            "table": {
                              "type": "string"
                            },
                            "symbol": {
                              "type": "string"
                            },
                            "count": {
                              "type": "integer"
                            },
                            "truncated": {
                              "type": "boolean"
                            },
                            "rows": {
                              "type": "array",
                              "items": {
                                "$ref": "#/components/schemas/Trade"
                              }
                            }
                          }
                        }
                      }
                    }
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/api/v2/write": {
              "post": {
                "summary": "ILP over HTTP (InfluxDB v2 endpoint); the whole body is stored or nothing. Content-Encoding: gzip accepted.",
                "security": [
                  {
                    "bearer": []
                  },
                  {
                    "token": []
                  }
                ],
                "parameters": [
                  {
                    "name": "precision",
                    "in": "query",
                    "required": false,
                    "description": "Unit of line timestamps: n|ns, u|us, ms, s, m, h (default ns).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "db",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v1).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "org",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v2).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "bucket",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v2).",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "text/plain": {
                      "schema": {
                        "type": "string"
                      },
                      "example": "trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side=\"buy\" 1719878281500000000\n"
                    }
                  }
                },
                "responses": {
                  "204": {
                    "description": "Every line stored."
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/health/live": {
              "get": {
                "summary": "200 while the process serves HTTP.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/health/ready": {
              "get": {
                "summary": "Per-table write-path health; 503 when any table is degraded.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Health"
                        }
                      }
                    }
                  },
                  "503": {
                    "description": "Degraded.",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Health"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/metrics": {
              "get": {
                "summary": "Prometheus text format.",
                "security": [
                  {
                    "bearer": []
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Metrics.",
                    "content": {
                      "text/plain": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "summary": "This document.",
                "security": [],
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "type": "object"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/ping": {
              "get": {
                "summary": "InfluxDB client probe: 204 with X-Influxdb-Version.",
                "security": [],
                "responses": {
                  "204": {
                    "description": "Serving."
                  }
                }
              },
              "head": {
                "summary": "InfluxDB client probe.",
                "security": [],
                "responses": {
                  "204": {
                    "description": "Serving."
                  }
                }
              }
            },
            "/write": {
              "post": {
                "summary": "ILP over HTTP (InfluxDB v1 endpoint); the whole body is stored or nothing. Content-Encoding: gzip accepted.",
                "security": [
                  {
                    "bearer": []
                  },
                  {
                    "token": []
                  }
                ],
                "parameters": [
                  {
                    "name": "precision",
                    "in": "query",
                    "required": false,
                    "description": "Unit of line timestamps: n|ns, u|us, ms, s, m, h (default ns).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "db",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v1).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "org",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v2).",
                    "schema": {
                      "type": "string"
                    }
                  },
                  {
                    "name": "bucket",
                    "in": "query",
                    "required": false,
                    "description": "Ignored (InfluxDB v2).",
                    "schema": {
                      "type": "string"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "text/plain": {
                      "schema": {
                        "type": "string"
                      },
                      "example": "trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side=\"buy\" 1719878281500000000\n"
                    }
                  }
                },
                "responses": {
                  "204": {
                    "description": "Every line stored."
                  },
                  "400": {
                    "$ref": "#/components/responses/Error"
                  },
                  "401": {
                    "$ref": "#/components/responses/Error"
                  },
                  "403": {
                    "$ref": "#/components/responses/Error"
                  },
                  "413": {
                    "$ref": "#/components/responses/Error"
                  },
                  "415": {
                    "$ref": "#/components/responses/Error"
                  },
                  "503": {
                    "$ref": "#/components/responses/Error"
                  }
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer"
              },
              "token": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Token <token> (InfluxDB clients)."
              }
            },
            "responses": {
              "Error": {
                "description": "Error.",
                "content": {
                  "application/json": {
                    "schema": {
                      "$ref": "#/components/schemas/Error"
                    }
                  }
                }
              }
            },
            "schemas": {
              "Error": {
                "type": "object",
                "required": [
                  "code",
                  "message",
                  "errorId"
                ],
                "properties": {
                  "code": {
                    "type": "string"
                  },
                  "message": {
                    "type": "string"
                  },
                  "line": {
                    "type": "integer",
                    "description": "1-based line of the ILP body."
                  },
                  "parameter": {
                    "type": "string"
                  },
                  "errorId": {
                    "type": "string",
                    "description": "The request's correlation id (X-Request-Id)."
                  }
                }
              },
              "Trade": {
                "type": "object",
                "properties": {
                  "ts_ns": {
                    "type": "string",
                    "description": "Epoch nanoseconds."
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "symbol": {
                    "type": "string"
                  },
                  "trade_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "price": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "qty": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "is_buyer_maker": {
                    "type": "boolean"
                  }
                }
              },
              "AggregatedTrade": {
                "type": "object",
                "properties": {
                  "ts_ns": {
                    "type": "string",
                    "description": "Epoch nanoseconds."
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "symbol": {
                    "type": "string"
                  },
                  "agg_trade_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "price": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "qty": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "first_trade_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "last_trade_id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "is_buyer_maker": {
                    "type": "boolean"
                  },
                  "is_best_match": {
                    "type": "boolean"
                  }
                }
              },
              "Quote": {
                "type": "object",
                "properties": {
                  "ts_ns": {
                    "type": "string",
                    "description": "Epoch nanoseconds."
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "symbol": {
                    "type": "string"
                  },
                  "bids": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "price": {
                          "type": "string",
                          "description": "Exact decimal."
                        },
                        "size": {
                          "type": "string",
                          "description": "Exact decimal."
                        }
                      }
                    }
                  },
                  "asks": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "price": {
                          "type": "string",
                          "description": "Exact decimal."
                        },
                        "size": {
                          "type": "string",
                          "description": "Exact decimal."
                        }
                      }
                    }
                  }
                }
              },
              "Bar": {
                "type": "object",
                "properties": {
                  "ts_ns": {
                    "type": "string",
                    "description": "Epoch nanoseconds."
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "open": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "high": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "low": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "close": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "volume": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "notional": {
                    "type": "string",
                    "description": "Exact decimal."
                  },
                  "vwap": {
                    "type": "string",
                    "nullable": true
                  },
                  "trades": {
                    "type": "integer"
                  }
                }
              },
              "LastTimestamp": {
                "type": "object",
                "properties": {
                  "table": {
                    "type": "string"
                  },
                  "symbol": {
                    "type": "string"
                  },
                  "ts_ns": {
                    "type": "string",
                    "nullable": true
                  },
                  "time": {
                    "type": "string",
                    "nullable": true
                  }
                }
              },
              "TableStats": {
                "type": "object",
                "properties": {
                  "table": {
                    "type": "string"
                  },
                  "rows": {
                    "type": "integer"
                  },
                  "symbols": {
                    "type": "integer"
                  },
                  "bytes_on_disk": {
                    "type": "integer"
                  },
                  "partitions": {
                    "type": "integer"
                  },
                  "sealed_partitions": {
                    "type": "integer"
                  },
                  "pending_late_rows": {
                    "type": "integer"
                  },
                  "duplicates_skipped": {
                    "type": "integer"
                  },
                  "oldest": {
                    "type": "string",
                    "nullable": true
                  },
                  "newest": {
                    "type": "string",
                    "nullable": true
                  }
                }
              },
              "Health": {
                "type": "object",
                "properties": {
                  "status": {
                    "type": "string",
                    "enum": [
                      "ok",
                      "degraded"
                    ]
                  },
                  "tables": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "table": {
                          "type": "string"
                        },
                        "status": {
                          "type": "string"
                        },
                        "wal_bytes": {
                          "type": "integer"
                        },
                        "wal_segments": {
                          "type": "integer"
                        },
                        "last_sync": {
                          "type": "string",
                          "nullable": true
                        },
                        "wal_failure": {
                          "type": "string",
                          "nullable": true
                        },
                        "last_maintenance_error": {
                          "type": "string",
                          "nullable": true
                        },
                        "open_partitions": {
                          "type": "integer"
                        },
                        "damaged_partitions": {
                          "type": "integer"
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
        """#
}
