import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/** Tableau 10 colours, shared by the plots and the keys in their captions. */
export const COLORS = { blue: '#4e79a7', orange: '#f28e2b', red: '#e15759', green: '#59a14f', grey: '#bab0ac' };

/** Shared look: wide enough to read a few hundred candidates, short enough to see three plots at once. */
const SIZE = { width: 760, height: 320, marginLeft: 56 };

/** Renders an Observable Plot to an SVG string in Node, with linkedom's document standing in for a browser's. */
export function plotSvg(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  return Plot.plot({ ...SIZE, grid: true, ...options, document: document as unknown as Document }).outerHTML;
}
