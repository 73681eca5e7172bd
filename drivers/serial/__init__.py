"""`serial:` -- modules speaking serial-protocol.md, and certkit's serial emulator."""
