#!/usr/bin/env node
// The `actionlog` command. A committed file, not dist/cli/main.js itself: npm links a package's
// bin when it installs it, and in a fresh clone dist/ does not exist until `npm run build`, so a
// bin pointing into dist/ would never be linked (`npx actionlog` would then look in the registry).
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write('actionlog: the package is not built yet: run `npm run build` first\n');
    process.exitCode = 1;
  } else {
    throw error;
  }
}
