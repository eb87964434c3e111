"""Clients for outside protocols (Alipay, WeChat Pay, …): typed dataclasses in and out, no
domain imports. Each works unchanged against the real provider given real keys and ids;
tests drive it against its simulator in `simulators/` over real HTTP."""
