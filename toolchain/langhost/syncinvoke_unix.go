// Copyright 2026, the homelab-iac authors. Licensed under the Apache License, Version 2.0.

//go:build !windows

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// syncInvokes serves the SDK's synchronous-invoke channel (`--sync <dir>`): two FIFOs in dir,
// invoke_req (SDK -> us) and invoke_res (us -> SDK), each message a big-endian uint32 length
// followed by a protobuf ResourceInvokeRequest / ResourceInvokeResponse (wire-identical to the old InvokeResponse). @pulumi/pulumi 3.259 no longer
// sends on it, but older copies of the SDK (bundled by old provider packages) still can.
//
// Both FIFOs are opened O_RDWR (Linux): that never blocks waiting for the peer, keeps them open
// across peers, and makes them pollable, so close() cleanly interrupts the serving goroutine even
// when node never used the channel.
type syncInvokes struct {
	dir      string
	req, res *os.File
	conn     *grpc.ClientConn
	done     chan struct{}
}

func startSyncInvokes(monitorAddr string) (*syncInvokes, error) {
	if monitorAddr == "" {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "pulumi-nodejs-sync-")
	if err != nil {
		return nil, err
	}
	s := &syncInvokes{dir: dir, done: make(chan struct{})}
	fail := func(err error) (*syncInvokes, error) {
		s.closeFiles()
		_ = os.RemoveAll(dir)
		return nil, err
	}
	for _, name := range []string{"invoke_req", "invoke_res"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o600); err != nil {
			return fail(err)
		}
	}
	if s.req, err = os.OpenFile(filepath.Join(dir, "invoke_req"), os.O_RDWR, 0); err != nil {
		return fail(err)
	}
	if s.res, err = os.OpenFile(filepath.Join(dir, "invoke_res"), os.O_RDWR, 0); err != nil {
		return fail(err)
	}
	s.conn, err = grpc.NewClient(monitorAddr,
		grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return fail(err)
	}
	go s.serve(pulumirpc.NewResourceMonitorClient(s.conn))
	return s, nil
}

func (s *syncInvokes) serve(monitor pulumirpc.ResourceMonitorClient) {
	defer close(s.done)
	for {
		var n uint32
		if err := binary.Read(s.req, binary.BigEndian, &n); err != nil {
			if !errors.Is(err, os.ErrClosed) && !errors.Is(err, io.EOF) {
				logging.V(5).Infof("sync invoke: reading request length: %v", err)
			}
			return
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(s.req, buf); err != nil {
			logging.V(5).Infof("sync invoke: reading request: %v", err)
			return
		}
		var req pulumirpc.ResourceInvokeRequest
		if err := proto.Unmarshal(buf, &req); err != nil {
			logging.V(5).Infof("sync invoke: decoding request: %v", err)
			return
		}
		resp, err := monitor.Invoke(context.Background(), &req)
		if err != nil {
			// Reported in-band, the way the SDK expects invoke failures.
			if resp == nil {
				resp = &pulumirpc.ResourceInvokeResponse{}
			}
			resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Reason: err.Error()})
		}
		out, err := proto.Marshal(resp)
		if err != nil {
			logging.V(5).Infof("sync invoke: encoding response: %v", err)
			return
		}
		if err := binary.Write(s.res, binary.BigEndian, uint32(len(out))); err != nil {
			return
		}
		if _, err := s.res.Write(out); err != nil {
			return
		}
	}
}

func (s *syncInvokes) closeFiles() {
	if s.req != nil {
		_ = s.req.Close()
	}
	if s.res != nil {
		_ = s.res.Close()
	}
}

func (s *syncInvokes) close() {
	s.closeFiles()
	<-s.done
	if s.conn != nil {
		_ = s.conn.Close()
	}
	_ = os.RemoveAll(s.dir)
}
