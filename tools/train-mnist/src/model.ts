import type { Tf } from './backend.ts';

/**
 * The tutorial's model, layer for layer (Keras names kept):
 * InputLayer [28,28] → Reshape [28,28,1] → Conv2D 12 3×3 relu → MaxPooling2D 2×2 → Flatten → Dense 10 (logits).
 * Kernels use Keras's glorot_uniform, seeded; biases start at zero.
 */
export function buildMnistModel(tf: Tf, seed: number) {
  const model = tf.sequential({ name: 'mnist' });
  model.add(tf.layers.inputLayer({ inputShape: [28, 28], name: 'input_1' }));
  model.add(tf.layers.reshape({ targetShape: [28, 28, 1], name: 'reshape' }));
  model.add(
    tf.layers.conv2d({
      filters: 12,
      kernelSize: [3, 3],
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name: 'conv2d',
    }),
  );
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2], name: 'max_pooling2d' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), name: 'dense' }));
  return model;
}
