"""Alipay open-platform simulator: `server.py` (gateway + control endpoints), `keys.py`
(config directory and dev keys). See server.py."""
