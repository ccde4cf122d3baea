import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MigrationMode } from "@realm-to-cognito/core";
import { buildBundles } from "@realm-to-cognito/trigger/build";
import { Annotations, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { exampleApp } from "../src/example-app.js";

const scratch: string[] = [];

/** A fresh directory under the system's tmp, removed by {@link removeScratchDirs}. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

/** For afterAll: removes every directory {@link scratchDir} made in this test file. */
export async function removeScratchDirs(): Promise<void> {
  await Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Builds the handler bundles once into a fresh directory and returns it. */
export async function freshBundleDir(): Promise<string> {
  const dir = scratchDir("cdk-test-bundles-");
  const bundles = await buildBundles({ outDir: dir });
  return path.dirname(bundles.userMigration);
}

export interface Synthesized {
  readonly mode: MigrationMode;
  readonly template: Template;
  readonly json: CfnTemplate;
  readonly assemblyDir: string;
  readonly stack: IConstruct;
  readonly annotations: Annotations;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

/** The example app of `npm run synth`, synthesized in-process (once per mode per test file). */
export function synthesizeExample(
  mode: MigrationMode,
  bundleDir: string,
  userDirectoryFile?: string,
): Synthesized {
  const { app, stack } = exampleApp({
    mode,
    bundleDir,
    outdir: scratchDir("cdk-test-out-"),
    ...(userDirectoryFile === undefined ? {} : { userDirectoryFile }),
  });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  return {
    mode,
    template,
    json: template.toJSON() as CfnTemplate,
    assemblyDir: assembly.directory,
    stack,
    annotations: Annotations.fromStack(stack),
  };
}

/** cdk-nag's AwsSolutions pack over a construct tree: the violations left after acknowledgments. */
export function awsSolutionsViolations(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.map(
    (violation) =>
      `${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(", ")}`,
  );
}

export function resourcesOfType(json: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(json.Resources).filter(([, resource]) => resource.Type === type);
}
