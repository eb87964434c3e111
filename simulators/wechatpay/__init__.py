"""WeChat Pay APIv3 simulator: speaks the real protocol (signed requests and responses,
AEAD_AES_256_GCM notifications and certificates, the documented retry schedule) so the Omni
client, or any outside merchant with the community SDK wechatpayv3, can be driven against it.

    omni simulate wechatpay --port 8702 --config DIR     # DIR gets a dev config if empty

See `server.py` for the endpoints and the faults it can inject, `config.py` for the
configuration directory and `write_dev_config`.
"""
