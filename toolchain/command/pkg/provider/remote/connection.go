package remote

import "homelab-iac/toolchain/kit"

// connectionProps are the fields of remote.Connection and remote.ProxyConnection (upstream
// remote/connection.go), with the schema defaults the SDK also applies client-side
// (connectionArgsProvideDefaults). Check fills them in, as infer does when it decodes inputs.
func connectionProps() []kit.Prop {
	return []kit.Prop{
		kit.Field("agentSocketPath", kit.String, "SSH Agent socket path. Default to environment variable SSH_AUTH_SOCK if present."),
		kit.Field("dialErrorLimit", kit.Integer, "Max allowed errors on trying to dial the remote host. -1 set infinite retries. Default value is 10.").Def(10.0),
		kit.Field("host", kit.String, "The address of the resource to connect to.").Req(),
		kit.Field("hostKey", kit.String, "The expected host key to verify the server's identity. If not provided, the host key will be ignored."),
		kit.Field("password", kit.String, "The password we should use for the connection.").Sec(),
		kit.Field("perDialTimeout", kit.Integer, "Max number of seconds for each dial attempt. 0 implies no maximum. Default value is 15 seconds.").Def(15.0),
		kit.Field("port", kit.Number, "The port to connect to. Defaults to 22.").Def(22.0),
		kit.Field("privateKey", kit.String, "The contents of an SSH key to use for the connection. This takes preference over the password if provided.").Sec(),
		kit.Field("privateKeyPassword", kit.String, "The password to use in case the private key is encrypted.").Sec(),
		kit.Field("user", kit.String, "The user that we should use for the connection.").Def("root"),
	}
}

// validateHostKey: a hostKey must parse as an OpenSSH public key (a check failure, not a dial error).
func validateHostKey(path string, obj kit.Values, fail kit.FailFunc) {
	if hk, ok := obj.Str("hostKey"); ok {
		if _, err := parseHostKey(hk); err != nil {
			fail(path+".hostKey", "%v", err)
		}
	}
}

// ProxyConnection is remote.ProxyConnection (a bastion: the same fields, no proxy of its own).
var ProxyConnection = &kit.ObjectType{
	Token:           "command:remote:ProxyConnection",
	Description:     "Instructions for how to connect to a remote endpoint via a bastion host.",
	Props:           connectionProps(),
	DefaultsInCheck: true,
	Validate:        validateHostKey,
}

// Connection is remote.Connection.
var Connection = &kit.ObjectType{
	Token:       "command:remote:Connection",
	Description: "Instructions for how to connect to a remote endpoint.",
	Props: append(connectionProps(),
		kit.Field("proxy", kit.ObjectOf(ProxyConnection), "The connection settings for the bastion/proxy host.")),
	DefaultsInCheck: true,
	Validate:        validateHostKey,
}

// connectionProp is the `connection` input of the remote resources: required, and secret (the SDK
// wraps it and registers additionalSecretOutputs ["connection"]).
func connectionProp() kit.Prop {
	return kit.In("connection", kit.ObjectOf(Connection), "The parameters with which to connect to the remote host.").Req().Sec()
}
