/**
 * Cells the papers found, in enas-micro's text form, to retrain beside a search's own
 * (`npm run bench:retrain-cell -- --arch enas`). in0 is the output of the cell before the previous one, in1 of the
 * previous one.
 */
export const PUBLISHED_CELLS = {
  /** ENAS (Pham et al. 2018): the released CIFAR-10 micro cell (fixed_arc of scripts/cifar10_micro_final.sh), whose
   * five ops are enas-micro's defaults. */
  enas: [
    'normal.block0:in0,in0,avg_pool_3x3,sep_conv_3x3',
    'normal.block1:in0,in0,identity,sep_conv_5x5',
    'normal.block2:in0,in1,identity,sep_conv_5x5',
    'normal.block3:in1,in0,sep_conv_3x3,sep_conv_5x5',
    'normal.block4:in0,in1,avg_pool_3x3,sep_conv_5x5',
    'reduce.block0:in1,in1,sep_conv_3x3,sep_conv_3x3',
    'reduce.block1:in0,in0,max_pool_3x3,avg_pool_3x3',
    'reduce.block2:in1,block1,sep_conv_5x5,sep_conv_5x5',
    'reduce.block3:in1,in0,sep_conv_3x3,identity',
    'reduce.block4:in0,in1,max_pool_3x3,sep_conv_5x5',
  ].join('|'),
  /** NASNet-A (Zoph et al. 2018), from TF-slim's nasnet_utils; its reduction cell needs sep_conv_7x7 among the ops.
   * This space concatenates only the blocks no other block reads, so NASNet's concat of the normal cell's in0 and of
   * the reduction cell's block1 is left out. */
  'nasnet-a': [
    'normal.block0:in1,in0,sep_conv_5x5,sep_conv_3x3',
    'normal.block1:in0,in0,sep_conv_5x5,sep_conv_3x3',
    'normal.block2:in1,in0,avg_pool_3x3,identity',
    'normal.block3:in0,in0,avg_pool_3x3,avg_pool_3x3',
    'normal.block4:in1,in1,sep_conv_3x3,identity',
    'reduce.block0:in1,in0,sep_conv_5x5,sep_conv_7x7',
    'reduce.block1:in1,in0,max_pool_3x3,sep_conv_7x7',
    'reduce.block2:in1,in0,avg_pool_3x3,sep_conv_5x5',
    'reduce.block3:block1,block0,identity,avg_pool_3x3',
    'reduce.block4:block0,in1,sep_conv_3x3,max_pool_3x3',
  ].join('|'),
} as const;

export type PublishedCellName = keyof typeof PUBLISHED_CELLS;
