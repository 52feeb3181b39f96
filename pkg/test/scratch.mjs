// Installs the packed tarball into a scratch project that has nothing else, once per run:
// scripts/test-pkg.sh packs and exports SCIMMAP_SCRATCH; run alone, this packs itself.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = join(PKG, "..");

function npm(args, cwd) {
  return execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd,
    encoding: "utf8",
  });
}

export function scratch() {
  const ready = process.env.SCIMMAP_SCRATCH;
  if (ready && existsSync(join(ready, "node_modules", "scimmap", "package.json"))) return ready;
  const dir = mkdtempSync(join(tmpdir(), "scimmap-scratch-"));
  const out = npm(["pack", "--json", "--pack-destination", dir], PKG);
  const tarball = join(dir, JSON.parse(out)[0].filename);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  npm(["install", "--offline", tarball], dir);
  process.env.SCIMMAP_SCRATCH = dir;
  return dir;
}

/** Imports `scimmap` the way an ESM consumer in the scratch project does. */
export async function importFromScratch(specifier = "scimmap") {
  const dir = scratch();
  const file = join(dir, `consumer-${specifier.replace(/\W/g, "_")}.mjs`);
  writeFileSync(file, `export * from ${JSON.stringify(specifier)};\n`);
  return import(pathToFileURL(file).href);
}

export function installedFiles() {
  return readdirSync(join(scratch(), "node_modules", "scimmap", "dist"), { recursive: true });
}
