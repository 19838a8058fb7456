"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");

const cfg = new pulumi.Config();
const marker = cfg.require("markerDir");
const conn = {
  host: "127.0.0.1",
  port: Number(cfg.require("port")),
  user: "root",
  privateKey: cfg.requireSecret("privateKey"),
  hostKey: cfg.require("hostKey"),
  dialErrorLimit: 3,
  perDialTimeout: 5,
};

const local = new command.local.Command("local", {
  create: `echo local-create >> ${marker}/log; echo local-out`,
  delete: `echo "local-delete prev=[$PULUMI_COMMAND_STDOUT]" >> ${marker}/log`,
});

const remote = new command.remote.Command("remote", {
  connection: conn,
  create: `echo remote-create >> ${marker}/log; echo "remote-out $(id -un)"`,
  update: cfg.get("updateCmd") || `echo remote-update-v1 >> ${marker}/log; echo updated-v1`,
  delete: `echo "remote-delete prev=[$PULUMI_COMMAND_STDOUT]" >> ${marker}/log`,
  triggers: [cfg.get("trigger") || "t1"],
});

const secretOut = new command.remote.Command(
  "secretout",
  {
    connection: conn,
    create: `echo s3cr3t-value`,
  },
  { additionalSecretOutputs: ["stdout"] },
);

const copy = new command.remote.CopyToRemote("copy", {
  connection: conn,
  source: new pulumi.asset.FileAsset("payload.txt"),
  remotePath: `${marker}/remote/sub/payload.txt`,
});

exports.localOut = local.stdout;
exports.remoteOut = remote.stdout;
exports.secretOut = secretOut.stdout;
exports.copyId = copy.id;
