"""The workspace's panes, one widget per module; each owns its thread workers and posts messages upward."""
