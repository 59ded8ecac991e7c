"""Test support code: stand-ins for peers that cannot run here, and small protocol clients."""
