// nnscratch playground: the equations of the current network, in docs/math.md's notation,
// with the live shapes (N = rows of one step: the batch).
"use strict";

const DERIV = {
  tanh: "1 - a_l^2", logistic: "a_l (1 - a_l)", relu: "[z_l > 0]", leaky_relu: "[z_l > 0] + 0.01 [z_l <= 0]",
  elu: "[z_l > 0] + (a_l + 1) [z_l <= 0]", softplus: "1 - exp(-a_l)", identity: "1",
};

function mathText(sizes, activation, alpha, N, optimizer, lr) {
  const L = sizes.length - 1, K = sizes[L];
  const sub = l => String(l);
  const lines = [`Layers ${sizes.join(" -> ")}   (L = ${L} weight layers, N = ${N} rows per step, K = ${K} classes)`, "",
                 "Forward pass (a_0 = X, shape " + `(${N}, ${sizes[0]}))`];
  for (let l = 1; l <= L; l++) {
    const shape = `(${N}, ${sizes[l]})`;
    lines.push(`  z_${sub(l)} = a_${l - 1} W_${l} + b_${l}`.padEnd(40) +
               `(${N}, ${sizes[l - 1]}) (${sizes[l - 1]}, ${sizes[l]}) + (${sizes[l]},) -> ${shape}`);
    if (l < L) lines.push(`  a_${l} = ${activation}(z_${l})`.padEnd(40) + shape);
    else lines.push(`  a_${L} = softmax(z_${L})`.padEnd(40) + `${shape}  class probabilities`);
  }
  lines.push("", `  loss = (CE + alpha/2 sum_l ||W_l||^2) / N,  CE = -sum_i log a_${L}[i, y_i],  alpha = ${alpha}`,
             "", "Backpropagation (of N * loss)");
  lines.push(`  delta_${L} = a_${L} - Y`.padEnd(40) + `(${N}, ${K})   softmax + cross-entropy`);
  for (let l = L - 1; l >= 1; l--) {
    lines.push(`  delta_${l} = (delta_${l + 1} W_${l + 1}^T) * f'(z_${l})`.padEnd(40) +
               `(${N}, ${sizes[l]})   f' = ${DERIV[activation] || "f'"}`);
  }
  for (let l = L; l >= 1; l--) {
    lines.push(`  dW_${l} = a_${l - 1}^T delta_${l} + alpha W_${l}`.padEnd(40) + `(${sizes[l - 1]}, ${sizes[l]})`);
    lines.push(`  db_${l} = sum_i delta_${l}[i]`.padEnd(40) + `(${sizes[l]},)`);
  }
  lines.push("", `Step (${optimizer}, lr = ${lr}): gradient of the mean loss = (dW_l, db_l) / N`);
  const step = {
    gd: "p <- p - lr g   (g = dW_l / N, db_l / N; one step per epoch: the full batch)",
    sgd: "p <- p - lr g   (one step per minibatch)",
    momentum: "v <- mu v - lr g;  p <- p + v", nesterov: "v <- mu v - lr g;  p <- p + mu v - lr g",
    adam: "m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - lr_t m / (sqrt(v) + eps),\n" +
          "  lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)",
  }[optimizer];
  lines.push("  " + step);
  let nParams = 0;
  for (let l = 1; l <= L; l++) nParams += sizes[l - 1] * sizes[l] + sizes[l];
  lines.push("", `${nParams} parameters`);
  return lines.join("\n");
}

function neuronEquation(l, j, activation, bias, scale) {
  return `a_${l}[:, ${j}] = ${activation}(z_${l}[:, ${j}])\n` +
         `z_${l}[:, ${j}] = a_${l - 1} W_${l}[:, ${j}] + b_${l}[${j}]\n` +
         `b_${l}[${j}] = ${bias.toFixed(4)}   map colour scale: +-${scale.toPrecision(3)}`;
}

function edgeEquation(l, i, j, w) {
  return `W_${l}[${i}, ${j}] = ${w.toFixed(4)}\n` +
         `enters z_${l}[:, ${j}] = ... + a_${l - 1}[:, ${i}] W_${l}[${i}, ${j}] + ...\n` +
         "click (paused) to edit";
}

window.MathPanel = {mathText, neuronEquation, edgeEquation};
