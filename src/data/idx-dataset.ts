import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from './errors.js';
import { idxSplit, parseIdx } from './idx.js';
import { checkLabels, inferClasses } from './labels.js';
import { readDatasetFile } from './read-file.js';
import type { Dataset } from './types.js';

export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/** File names as MNIST-style datasets ship them; `.` or `-` before idx, optionally gzipped. */
const PATTERNS: Record<keyof IdxFiles, { re: RegExp; example: string }> = {
  trainImages: { re: /^train-images[.-]idx[34]-ubyte(\.gz)?$/, example: 'train-images-idx3-ubyte' },
  trainLabels: { re: /^train-labels[.-]idx1-ubyte(\.gz)?$/, example: 'train-labels-idx1-ubyte' },
  testImages: { re: /^(t10k|test)-images[.-]idx[34]-ubyte(\.gz)?$/, example: 't10k-images-idx3-ubyte' },
  testLabels: { re: /^(t10k|test)-labels[.-]idx1-ubyte(\.gz)?$/, example: 't10k-labels-idx1-ubyte' },
};

/** Finds the four IDX files of a dataset in `dir`, preferring uncompressed copies when both exist. */
export async function findIdxFiles(dir: string): Promise<IdxFiles> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(dir, code === 'ENOENT' ? 'directory not found' : `cannot list (${code ?? String(err)})`);
  }
  const pick = (role: keyof IdxFiles): string => {
    const { re, example } = PATTERNS[role];
    const found = names.filter((n) => re.test(n)).sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')));
    if (found[0] === undefined) throw new DatasetError(dir, `no ${example} file (or idx4 / .gz variant) found`);
    return join(dir, found[0]);
  };
  return {
    trainImages: pick('trainImages'),
    trainLabels: pick('trainLabels'),
    testImages: pick('testImages'),
    testLabels: pick('testLabels'),
  };
}

/**
 * Loads an IDX image/label pair per split. Without `classes`, the count is inferred from the training labels. With
 * `within` (a real folder), no file may be a symbolic link out of it.
 */
export async function loadIdxDataset(name: string, files: IdxFiles, classes?: number, within?: string): Promise<Dataset> {
  const [trImg, trLab, teImg, teLab] = await Promise.all(
    [files.trainImages, files.trainLabels, files.testImages, files.testLabels].map((f) => readDatasetFile(f, within)),
  );
  const pair = (img: Buffer, imgFile: string, lab: Buffer, labFile: string) =>
    idxSplit(parseIdx(img, imgFile), imgFile, parseIdx(lab, labFile), labFile);
  const train = pair(trImg!, files.trainImages, trLab!, files.trainLabels);
  const test = pair(teImg!, files.testImages, teLab!, files.testLabels);
  if (train.shape.join() !== test.shape.join()) {
    throw new DatasetError(files.testImages, `samples are ${test.shape.join('×')} but ${files.trainImages} has ${train.shape.join('×')}`);
  }
  const k = classes ?? inferClasses(train.split.labels);
  checkLabels(train.split.labels, k, files.trainLabels);
  checkLabels(test.split.labels, k, files.testLabels);
  return { name, train: train.split, test: test.split, classes: k, shape: train.shape };
}
