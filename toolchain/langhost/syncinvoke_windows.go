// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

package main

// No synchronous-invoke channel on Windows (upstream uses named pipes; this project does not
// target Windows). @pulumi/pulumi 3.259 does not use the channel.
type syncInvokes struct{ dir string }

func startSyncInvokes(string) (*syncInvokes, error) { return nil, nil }

func (s *syncInvokes) close() {}
