import { run } from '../run-command.js';

/** The command that runs pip: python3 -m pip (the extraction scripts then run in the same interpreter). */
export type Pip = readonly string[];

/** A step's failure, with the one line that says why. */
export class StepError extends Error {}

/** python3 -m pip, checked to run. */
export async function findPip(): Promise<Pip> {
  const pip = ['python3', '-m', 'pip'];
  try {
    await run(pip[0]!, [...pip.slice(1), '--version'], { what: pip.join(' ') });
  } catch (err) {
    throw new StepError(`${(err as Error).message} (install python3 and python3-pip)`);
  }
  return pip;
}

/**
 * Binary wheels of `requirements`, without their dependencies, into `dest`; from the `wheels` folder alone where it
 * is given (pip --no-index --find-links), else from the package index.
 */
export async function pipDownload(pip: Pip, requirements: readonly string[], dest: string, wheels: string | undefined, what: string) {
  const source = wheels ? ['--no-index', '--find-links', wheels] : [];
  await run(
    pip[0]!,
    [
      ...pip.slice(1),
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--disable-pip-version-check',
      ...source,
      '-d',
      dest,
      ...requirements,
    ],
    { what: `pip download ${what}` },
  );
}
