package io.sparkfast.common.model;

import ai.djl.nn.SequentialBlock;

/**
 * A convolutional body without its classifier (fastai's {@code create_body} result).
 *
 * @param arch backbone name
 * @param body the layers; its direct children are what the parameter-group split indexes
 * @param numFeatures channels of the body's output feature map ({@code nf} of {@code create_head})
 * @param splitAt index of the first body child in the second parameter group, or -1 for a single body
 *     group (fastai's {@code _resnet_split} puts the stem and the first two stages in group 0)
 */
public record Backbone(String arch, SequentialBlock body, long numFeatures, int splitAt) {}
