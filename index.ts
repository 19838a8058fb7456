// Wiring only: stack config → validated model → components → exports.
import { loadLabFromStackConfig } from "./model/pulumi-config";

const lab = loadLabFromStackConfig();

export const inventory = {
  zones: lab.zones.map((z) => z.name),
  machines: lab.machines.map((m) => `${m.kind}/${m.name}`),
  services: lab.services.map((s) => s.name),
};
