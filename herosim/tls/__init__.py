"""herosim's local certificate authority and the router's certificate: HTTPS on every app's
router port, as every `*.herokuapp.com` app is served on HTTPS."""
