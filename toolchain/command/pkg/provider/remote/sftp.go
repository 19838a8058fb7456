package remote

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkg/sftp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"homelab-iac/toolchain/kit"
)

// copySource is the decoded `source` input of CopyToRemote.
type copySource struct {
	Text   *string // StringAsset
	Path   string  // FileAsset or FileArchive (file or directory)
	IsText bool
	Hash   string
}

func sourceOf(v resource.PropertyValue) (copySource, error) {
	v = kit.Unsecret(v)
	switch {
	case v.IsAsset():
		a := v.AssetValue()
		if a.IsText() {
			t := a.Text
			return copySource{Text: &t, IsText: true, Hash: a.Hash}, nil
		}
		if a.IsPath() {
			return copySource{Path: a.Path, Hash: a.Hash}, nil
		}
		return copySource{}, errors.New("asset must be a path-based file asset or a text asset")
	case v.IsArchive():
		a := v.ArchiveValue()
		if a.IsPath() {
			return copySource{Path: a.Path, Hash: a.Hash}, nil
		}
		return copySource{}, errors.New("archive must be a path to a file or directory")
	default:
		return copySource{}, errors.New("either asset or archive must be set")
	}
}

// copyToRemote copies `source` to `remotePath` over SFTP. Semantics (upstream copyController
// table, plus "any necessary parent directories will be created automatically" from the 1.2.1 docs):
//
//	source       | remote path is a dir   | remote path missing   | remote path is a file
//	-------------+------------------------+-----------------------+----------------------
//	dir          | remotePath/dir         | remotePath/dir        | error
//	dir/ (slash) | remotePath/<entries>   | remotePath/<entries>  | error
//	file         | remotePath/file        | remotePath            | remotePath (overwritten)
//	text asset   | error                  | remotePath            | remotePath (overwritten)
//
// Directories are copied recursively, overwriting existing files; archives such as .tgz are copied
// as files, not unpacked. File modes are not preserved (new files get the server's default).
func copyToRemote(ctx context.Context, in kit.Values, rawSource resource.PropertyValue) error {
	src, err := sourceOf(rawSource)
	if err != nil {
		return err
	}
	dest, _ := in.Str("remotePath")
	if dest == "" {
		return errors.New("remotePath is required")
	}
	conn, ok := in.Object("connection")
	if !ok {
		return errors.New("connection is required")
	}
	target, err := parseTarget(conn)
	if err != nil {
		return err
	}
	lg := kit.LoggerFrom(ctx)
	if src.IsText {
		lg.Log(diag.Debug, fmt.Sprintf("Creating file: %s:%s from text asset", target.Host, dest))
	} else {
		lg.Log(diag.Debug, fmt.Sprintf("Creating file: %s:%s from local file %s", target.Host, dest, src.Path))
	}
	client, err := dialSSH(ctx, target)
	if err != nil {
		return err
	}
	defer client.Close()
	sc, err := sftp.NewClient(client.Client, sftp.UseConcurrentWrites(true))
	if err != nil {
		return fmt.Errorf("starting the sftp subsystem on %s: %w", target.endpoint(), err)
	}
	defer sc.Close()
	stop := context.AfterFunc(ctx, func() { _ = client.Close() })
	defer stop()

	if src.IsText {
		return copyText(sc, *src.Text, dest)
	}
	return sftpCopy(sc, src.Path, dest)
}

// remoteStat returns nil, nil when path does not exist.
func remoteStat(sc *sftp.Client, p string) (fs.FileInfo, error) {
	info, err := sc.Stat(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("failed to stat remote path %s: %w", p, err)
	}
	return info, nil
}

func ensureRemoteParent(sc *sftp.Client, p string) error {
	parent := path.Dir(p)
	if parent == "." || parent == "/" {
		return nil
	}
	if err := sc.MkdirAll(parent); err != nil {
		return fmt.Errorf("failed to create remote directory %s: %w", parent, err)
	}
	return nil
}

func copyText(sc *sftp.Client, content, dest string) error {
	st, err := remoteStat(sc, dest)
	if err != nil {
		return err
	}
	if st != nil && st.IsDir() {
		return fmt.Errorf("remote path %s is a directory; when using a text asset, remotePath must be a file path", dest)
	}
	if st == nil {
		if err := ensureRemoteParent(sc, dest); err != nil {
			return err
		}
	}
	f, err := sc.Create(dest)
	if err != nil {
		return fmt.Errorf("failed to create remote file %s: %w", dest, err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		_ = f.Close()
		return fmt.Errorf("failed to write text content to remote path %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write text content to remote path %s: %w", dest, err)
	}
	return nil
}

func sftpCopy(sc *sftp.Client, source, dest string) error {
	info, err := os.Stat(source)
	if err != nil {
		return err
	}
	st, err := remoteStat(sc, dest)
	if err != nil {
		return err
	}
	if info.IsDir() {
		if st != nil && !st.IsDir() {
			return fmt.Errorf("remote path %s exists but is not a directory", dest)
		}
		if st == nil {
			if err := sc.MkdirAll(dest); err != nil {
				return fmt.Errorf("failed to create remote directory %s: %w", dest, err)
			}
		}
		target := dest
		if !strings.HasSuffix(source, "/") {
			target = path.Join(dest, filepath.Base(source))
			tst, err := remoteStat(sc, target)
			if err != nil {
				return err
			}
			if tst != nil && !tst.IsDir() {
				return fmt.Errorf("remote path %s exists but is not a directory", target)
			}
			if tst == nil {
				if err := sc.Mkdir(target); err != nil {
					return fmt.Errorf("failed to create remote directory %s: %w", target, err)
				}
			}
		}
		return copyDir(sc, source, target)
	}
	target := dest
	if st != nil && st.IsDir() {
		target = path.Join(dest, filepath.Base(source))
	} else if st == nil {
		if err := ensureRemoteParent(sc, dest); err != nil {
			return err
		}
	}
	return copyFile(sc, source, target)
}

func copyFile(sc *sftp.Client, src, dst string) error {
	local, err := os.Open(src)
	if err != nil {
		return err
	}
	defer local.Close()
	remote, err := sc.Create(dst)
	if err != nil {
		return fmt.Errorf("failed to create remote file %s: %w", dst, err)
	}
	if _, err := remote.ReadFrom(local); err != nil {
		_ = remote.Close()
		return fmt.Errorf("failed to copy file %s to remote path %s: %w", src, dst, err)
	}
	if err := remote.Close(); err != nil {
		return fmt.Errorf("failed to copy file %s to remote path %s: %w", src, dst, err)
	}
	return nil
}

func copyDir(sc *sftp.Client, src, dst string) error {
	return fs.WalkDir(os.DirFS(src), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		remotePath := path.Join(dst, p)
		if !d.IsDir() {
			return copyFile(sc, filepath.Join(src, filepath.FromSlash(p)), remotePath)
		}
		st, err := remoteStat(sc, remotePath)
		if err != nil {
			return err
		}
		if st == nil {
			if err := sc.Mkdir(remotePath); err != nil {
				return fmt.Errorf("failed to create remote directory %s: %w", remotePath, err)
			}
		} else if !st.IsDir() {
			return fmt.Errorf("remote path %s exists but is not a directory", remotePath)
		}
		return nil
	})
}
