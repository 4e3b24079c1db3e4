import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The WebAssembly kernels are committed compiled (src/**\/*-wasm.ts) so that the package needs
 * no compiler: this checks each is what its source (.wat, or .c where clang is installed, as
 * in CI) compiles to now, so a source change cannot ship without its binary.
 */
describe('WebAssembly kernels', () => {
  it('the committed binaries are their compiled sources', () => {
    const script = fileURLToPath(new URL('../../../../scripts/build-wasm.mjs', import.meta.url));
    let output = '';
    try {
      output = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`stale kernel: ${failed.stderr ?? ''}${failed.stdout ?? ''}`);
    }
    // Where clang is missing the C kernel is reported as not checked: say so in the test log.
    if (output.includes('not checked')) console.warn(output.trim());
    expect(output).not.toMatch(/stale/);
  });
});
