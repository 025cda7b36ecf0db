#!/bin/sh
# Writes trading-tables.json: the twelve files of tables/ as one configuration's "tables"
# (ExampleTablesTests checks that the two agree). Run from anywhere: sh Docs/examples/combine.sh
cd "$(dirname "$0")" || exit 1
order="market_data news companies cryptocurrencies corporate_actions financials guidance
analyst_ratings reddit_sentiment stocktwits_sentiment feature_store strategy_signals"
{
    echo '{"tables": ['
    first=1
    for table in $order; do
        [ "$first" = 1 ] || echo ','
        first=0
        # Each file is '{"tables": [' + one table + ']}': keep the table, without a trailing newline.
        sed '1d;$d' "tables/$table.json" | head -c -1
    done
    echo
    echo ']}'
} > trading-tables.json
