"""The outside world, simulated: each package speaks one provider's real protocol and runs as
its own HTTP server (`omni simulate NAME --port N --config DIR`). See each package's README
or module docstring for the endpoints it serves and the faults it can inject."""
