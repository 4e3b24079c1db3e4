/** Log files are private to their owner: records can hold personal data even after masking. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
