"""The program's own tools: the self-test the packaged application runs, the screenshots, the benchmarks (UI, live
updates, start, the booking race) and the demo showcase they share. They may import every layer; nothing in the
product imports them."""
